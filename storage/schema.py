"""Every table the database holds: our models plus slack-sdk's OAuth tables. Alembic and the
schema tests take `metadata` from here."""

from __future__ import annotations

import storage.coaching_models  # noqa: F401  (registers the coaching tables)
import storage.slack_tables  # noqa: F401  (registers the Slack OAuth tables)
from storage.models import Base

metadata = Base.metadata
