"""A bug in the core, met through Slack: the request is still answered 200, the person is told
that nothing was saved and given an error id, and a submitted modal stays open with it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from handlers import commitments, terms
from storage.models import Commitment, Terms
from tests.slack.harness import SlackHarness
from tests.slack.test_slack_flows import terms_values

CODE = re.compile(r"something went wrong on my side and nothing was saved\. If it happens again, tell your admin this code: [0-9a-f]{8}")


async def broken(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("a bug in the core")


async def test_a_bug_behind_a_command_is_answered_with_an_error_id(slack: SlackHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(commitments, "create", broken)
    status, _ = await slack.command("URITA", "/commit", "20 calls every weekday")
    assert status == 200
    assert CODE.search(slack.last_reply()), slack.last_reply()
    assert await slack.db.count(Commitment) == 0


async def test_a_bug_behind_a_modal_keeps_it_open_with_the_error_id(slack: SlackHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    await slack.command("URITA", "/accountability", "terms")
    view = slack.fake.calls_to("views.open")[-1].params["view"]
    monkeypatch.setattr(terms, "save", broken)
    status, body = await slack.submit("URITA", view, terms_values())
    assert status == 200 and '"response_action": "errors"' in body and CODE.search(body), body
    assert await slack.db.count(Terms) == 0
    monkeypatch.undo()
    status, body = await slack.submit("URITA", view, terms_values())
    assert status == 200 and body == ""
    assert await slack.db.count(Terms) == 1
