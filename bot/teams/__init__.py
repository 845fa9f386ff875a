"""Teams: the adapter between Teams and the platform-neutral handlers."""
