"""A rep at the cap of open commitments, through signed HTTP into the real server: the
cap itself (`/commit`, the form, a manager's proposal), a check-in of 25 commitments (51
blocks, so two Slack messages) answered on both messages and edited in place, and a digest
too long for one section. The fake Slack refuses anything beyond Slack's limits, so every
message these tests see was within them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from handlers.commitments import MAX_OPEN
from storage.models import CheckIn, Commitment, Outbox
from tests.slack.fake_slack import FakeSlack
from tests.slack.fake_slack_parts import MESSAGE_BLOCKS, SECTION_TEXT
from tests.slack.harness import TEAM, SlackHarness
from tests.slack.test_slack_flows import button

MONDAY_1630_NY = datetime(2026, 11, 23, 21, 30, tzinfo=UTC)
TUESDAY_0005_NY = datetime(2026, 11, 24, 5, 5, tzinfo=UTC)  # Monday's check-ins have closed


def title(n: int) -> str:
    return f"call customer {n:02d} about the renewal"


async def commit_up_to_the_cap(slack: SlackHarness, user: str = "URITA") -> None:
    for n in range(1, MAX_OPEN + 1):
        await slack.command(user, "/commit", f"{title(n)} every weekday")
        assert f"Logged #{n}" in slack.last_reply()


def sections(blocks: list[dict[str, Any]]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section"]


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


def within_limits(blocks: list[dict[str, Any]]) -> bool:
    return len(blocks) <= MESSAGE_BLOCKS and all(0 < len(text) <= SECTION_TEXT for text in sections(blocks))


async def test_the_cap_stops_commit_the_form_and_a_proposal_and_saves_nothing(slack: SlackHarness) -> None:
    await slack.command("URITA", "/accountability", "manager <@UMGR|dana>")
    await commit_up_to_the_cap(slack)

    await slack.command("URITA", "/commit", "one more thing every weekday")
    reply = slack.last_reply()
    assert f"already have {MAX_OPEN} open commitments" in reply and "Nothing was saved" in reply
    assert "/accountability done N" in reply and "/accountability drop N" in reply

    # The "Add a commitment" form on App Home keeps the reason under its field.
    await slack.event({"type": "app_home_opened", "user": "URITA", "channel": "DURITA", "tab": "home"}, event_id="Ev-home")
    home = slack.fake.calls_to("views.publish")[-1].params["view"]["blocks"]
    add = button(home, "Add a commitment")
    await slack.click("URITA", add["action_id"], add["value"], in_home=True)
    view = slack.fake.calls_to("views.open")[-1].params["view"]
    status, body = await slack.submit("URITA", view, {"text": {"value": {"type": "plain_text_input", "value": "one more every weekday"}}})
    assert status == 200 and f"{MAX_OPEN} open commitments" in json.loads(body)["errors"]["text"]

    # Her manager can't propose one either.
    await slack.command("UMGR", "/commit", "<@URITA|rita> send the deck by Friday")
    assert f"Rita already has {MAX_OPEN} open commitments" in slack.last_reply() and "Nothing was saved" in slack.last_reply()
    assert await slack.db.count(Commitment) == MAX_OPEN

    # Finishing one makes room again.
    await slack.command("URITA", "/accountability", "done 3")
    await slack.command("URITA", "/commit", "one more thing every weekday")
    assert f"Logged #{MAX_OPEN + 1}" in slack.last_reply()


async def test_a_checkin_of_25_commitments_arrives_whole_in_two_messages_each_answerable(slack: SlackHarness) -> None:
    await commit_up_to_the_cap(slack)
    await slack.tick(MONDAY_1630_NY)

    first, second = slack.dms("URITA")
    assert all(within_limits(m["blocks"]) for m in (first, second))
    shown = "\n".join(sections(first["blocks"]) + sections(second["blocks"]))
    assert all(title(n) in shown for n in range(1, MAX_OPEN + 1))
    assert [b["text"]["text"] for b in buttons(first["blocks"]) + buttons(second["blocks"])] == ["Yes", "No"] * MAX_OPEN
    assert title(MAX_OPEN) in json.dumps(second["blocks"]) and title(1) in json.dumps(first["blocks"])
    (row,) = await slack.db.all(Outbox, Outbox.message_key.like("prompt:%"))
    assert json.loads(row.platform_ref or "") == {"channel": "DURITA", "ts": [first["ts"], second["ts"]]}

    # Yes on the last commitment, in the second message; No on the first, in the first.
    yes = button(second["blocks"], "Yes")
    await slack.click("URITA", yes["action_id"], yes["value"], ts=second["ts"])
    no = button(first["blocks"], "No")
    await slack.click("URITA", no["action_id"], no["value"], ts=first["ts"])
    assert "What got in the way" in slack.last_reply()

    edits = slack.fake.calls_to("chat.update")
    assert {c.params["ts"] for c in edits} == {first["ts"], second["ts"]}
    assert all(within_limits(c.params["blocks"]) for c in edits)
    assert len(slack.dms("URITA")) == 2, "the edits posted no new message"
    now_first = slack.fake.messages[("DURITA", first["ts"])]["blocks"]
    now_second = slack.fake.messages[("DURITA", second["ts"])]["blocks"]
    assert f"#1 {title(1)} (weekdays): ❌ No" in sections(now_first)
    assert f"#{MAX_OPEN} {title(MAX_OPEN)} (weekdays): ✅ Yes" in sections(now_second)
    assert len(buttons(now_first) + buttons(now_second)) == 2 * (MAX_OPEN - 2)
    statuses = {c.commitment_id: c.status for c in await slack.db.all(CheckIn)}
    assert sorted(statuses.values()).count("pending") == MAX_OPEN - 2

    # Every button left still answers, wherever it is.
    later = button(now_first, "Yes", 5)
    await slack.click("URITA", later["action_id"], later["value"], ts=first["ts"])
    assert [c.status for c in await slack.db.all(CheckIn)].count("yes") == 2


async def test_a_digest_with_many_reps_needing_help_shows_every_one(slack: SlackHarness, fake_slack: FakeSlack) -> None:
    reps = [f"UREP{n:02d}" for n in range(1, 13)]
    long_title = "prepare the account plan with pipeline review, risks, next steps and the stakeholder map " * 2
    for n, rep in enumerate(reps, start=1):
        fake_slack.add_user(TEAM, rep, f"Rep{n:02d}", "America/New_York")
        await slack.command(rep, "/accountability", "manager <@UMGR|dana>")
        await slack.command(rep, "/commit", f"{long_title.strip()} for customer {n:02d} every weekday")
        assert "Logged #1" in slack.last_reply()
    await slack.command("UMGR", "/accountability", "digest tuesday 08:00")
    await slack.tick(MONDAY_1630_NY)
    await slack.tick(TUESDAY_0005_NY)  # nobody answered: a miss each

    # Asked for, as an ephemeral reply: one message, the long text in several sections.
    await slack.command("UMGR", "/accountability", "digest")
    asked = slack.fake.calls_to("response_url")[-1].params["blocks"]
    assert within_limits(asked) and len(sections(asked)) > 1
    assert sum(len(text) for text in sections(asked)) > SECTION_TEXT
    assert all(f"Rep{n:02d}: “" in "\n".join(sections(asked)) for n in range(1, 13))

    # The weekly one, through the outbox, says the same.
    await slack.tick(datetime(2026, 11, 24, 14, 5, tzinfo=UTC))  # Tuesday 08:05 in Chicago
    digest = slack.dms("UMGR")[-1]
    assert "Your weekly digest" in digest["text"] and within_limits(digest["blocks"])
    text = "\n".join(sections(digest["blocks"]))
    assert all(f"Rep{n:02d}: “{long_title.strip()} for customer {n:02d}”" in text for n in range(1, 13))
    assert "Coaching prompt" in text
