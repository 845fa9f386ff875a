"""APScheduler wiring and the idempotent jobs it ticks: due check-ins, day closes, digests, the outbox."""
