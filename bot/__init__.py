"""The chat platforms: everything that knows Slack, Teams or a terminal, plus the neutral message model."""
