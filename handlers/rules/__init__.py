"""Pure rules: plain functions over plain values, no I/O (due times, runs and streaks, the `/commit` text reader, reading the terms, tone)."""
