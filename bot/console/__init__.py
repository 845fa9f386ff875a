"""A terminal chat for trying the bot with no tokens."""
