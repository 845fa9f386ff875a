"""Persistence: SQLAlchemy 2 models, the engine and session factory, and repositories."""
