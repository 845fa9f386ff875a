"""Slack: the adapter between Slack and the platform-neutral handlers."""
