"""Persistence: SQLAlchemy 2 models and states, the engine, and `Store` with a repository per aggregate. It serves and decides nothing."""
