"""The Slack fixtures (fake Slack Web API) for tests that run both platforms at once."""

from tests.slack.conftest import fake_slack

__all__ = ["fake_slack"]
