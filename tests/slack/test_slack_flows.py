"""The whole loop in Slack, through signed HTTP requests into the real server: App Home,
the two questions in a modal, `/commit`, a scheduler tick, the check-in DM, Yes/No
clicks, the manager's exception DM and the digest."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from storage.models import CheckIn, Commitment, ManagerLink, Notice, Person, Terms
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import BOT_TOKEN, SlackHarness


def button(blocks: list[dict[str, Any]] | str, label: str, nth: int = 0) -> dict[str, Any]:
    """The `nth` button labelled `label` in a Block Kit message."""
    data = json.loads(blocks) if isinstance(blocks, str) else blocks
    found = [e for b in data if b["type"] == "actions" for e in b["elements"] if e["text"]["text"] == label]
    assert len(found) > nth, f"no button {label!r} in {json.dumps(data)[:500]}"
    return found[nth]


def terms_values(**overrides: Any) -> dict[str, Any]:
    """A filled-in terms modal's `state.values`, as Slack sends it."""
    days = overrides.get("days", ["0", "1", "2", "3", "4"])
    values: dict[str, Any] = {
        "support_words": {"value": {"type": "plain_text_input", "value": overrides.get("support_words", "Straight talk, at five, no fluff.")}},
        "days": {"value": {"type": "checkboxes", "selected_options": [{"value": d} for d in days]}},
        "time": {"value": {"type": "timepicker", "selected_time": overrides.get("time", "17:00")}},
        "tone": {"value": {"type": "static_select", "selected_option": {"value": overrides.get("tone", "straight")}}},
        "followup_words": {"value": {"type": "plain_text_input", "value": "Ask me what got in the way."}},
        "after_miss": {"value": {"type": "checkboxes", "selected_options": [{"value": "reflect"}]}},
        "threshold": {"value": {"type": "static_select", "selected_option": {"value": overrides.get("threshold", "1")}}},
        "no_answer": {"value": {"type": "static_select", "selected_option": {"value": "miss"}}},
        "streak": {"value": {"type": "static_select", "selected_option": {"value": "5"}}},
        "oneoff": {"value": {"type": "checkboxes", "selected_options": [{"value": "share"}]}},
    }
    return values


async def onboard(slack: SlackHarness, user: str = "URITA") -> dict[str, Any]:
    """App Home opened → invitation DM → the modal opens; returns the modal view."""
    status, _ = await slack.event({"type": "app_home_opened", "user": user, "channel": "D" + user, "tab": "home"}, event_id=f"Ev-home-{user}")
    assert status == 200
    invite = slack.dms(user)[-1]
    assert "Two questions first" in invite["text"]
    answer = button(invite["blocks"], "Answer the two questions")
    await slack.click(user, answer["action_id"], answer["value"], ts=invite["ts"])
    opened = slack.fake.calls_to("views.open")
    assert opened and opened[-1].params["trigger_id"].startswith("trigger.click")
    view: dict[str, Any] = opened[-1].params["view"]
    return view


async def test_onboarding_modal_rejects_bad_input_inline_then_saves_terms(slack: SlackHarness) -> None:
    view = await onboard(slack)
    assert view["type"] == "modal" and view["callback_id"] == "form:terms"
    shown = json.dumps(view)
    assert "How can I be your accountability partner" in shown and "How do you want me to follow up" in shown
    assert slack.fake.calls_to("views.publish"), "App Home is published on first contact"

    status, body = await slack.submit("URITA", view, terms_values(days=[], time=""))
    assert status == 200
    answer = json.loads(body)
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"days", "time"}
    assert await slack.db.count(Terms) == 0

    status, body = await slack.submit("URITA", view, terms_values())
    assert status == 200 and body == ""
    async with slack.db.sessions() as s:
        terms = (await s.scalars(select(Terms))).one()
    assert (terms.checkin_days, terms.checkin_time, terms.tone, terms.escalate_after) == ("0,1,2,3,4", "17:00", "straight", 1)
    assert terms.support_words == "Straight talk, at five, no fluff."
    confirmation = slack.dms("URITA")[-1]["text"]
    assert "Your terms (version 1)" in confirmation and "17:00" in confirmation
    home = slack.fake.calls_to("views.publish")[-1]
    assert home.params["user_id"] == "URITA"
    assert "Mon to Fri at 17:00" in FakeSlack.blocks_text(home) or "weekdays at 17:00" in FakeSlack.blocks_text(home)


async def test_commit_is_acked_at_once_and_answered_ephemerally(slack: SlackHarness) -> None:
    status, body = await slack.command("URITA", "/commit", "20 calls every weekday")
    assert status == 200 and body == ""
    reply = slack.last_reply()
    assert "Logged #1: 20 calls, weekdays" in reply
    assert slack.fake.calls_to("response_url")[-1].params["response_type"] == "ephemeral"
    async with slack.db.sessions() as s:
        rita = (await s.scalars(select(Person).where(Person.user_id == "URITA"))).one()
    assert (rita.platform, rita.workspace_id, rita.tz, rita.display_name) == ("slack", "T1", "America/New_York", "Rita")
    assert all(c.token == BOT_TOKEN for c in slack.fake.calls if c.method != "response_url")
    (saved,) = await slack.db.all(Commitment)
    assert (saved.person_id, saved.seq, saved.text) == (rita.id, 1, "20 calls every weekday")
    assert (saved.title, saved.cadence, saved.due_date, saved.status) == ("20 calls", "days:0,1,2,3,4", None, "active")

    status, _ = await slack.command("URITA", "/commit", "be better")
    assert status == 200
    assert "Nothing was saved" in slack.last_reply()
    assert [c.title for c in await slack.db.all(Commitment)] == ["20 calls"]


async def test_accountability_terms_opens_the_modal_straight_from_the_command(slack: SlackHarness) -> None:
    await slack.command("URITA", "/accountability", "terms")
    opened = slack.fake.calls_to("views.open")
    assert len(opened) == 1 and opened[0].params["trigger_id"] == "trigger.1"
    values = {b["block_id"]: b["element"] for b in opened[0].params["view"]["blocks"] if b["type"] == "input"}
    assert values["time"]["initial_time"] == "16:30"  # the defaults, pre-filled


async def test_the_whole_loop_checkin_buttons_manager_exception_and_digest(slack: SlackHarness) -> None:
    view = await onboard(slack)
    await slack.submit("URITA", view, terms_values(threshold="1"))
    await slack.command("URITA", "/commit", "20 calls every weekday")
    await slack.command("URITA", "/accountability", "manager <@UMGR|dana>")
    assert "Dana is now your accountability partner" in slack.last_reply()
    people = {p.user_id: p.id for p in await slack.db.all(Person)}
    (link,) = await slack.db.all(ManagerLink)
    assert (link.rep_id, link.manager_id, link.status) == (people["URITA"], people["UMGR"], "active")
    await slack.drain()
    told = slack.dms("UMGR")
    assert len(told) == 1 and "Rita named you as their accountability partner" in told[0]["text"]
    button(told[0]["blocks"], "Decline")

    # Monday 17:00 in New York: the check-in DM, one section per commitment, Yes / No.
    await slack.tick(datetime(2026, 11, 23, 22, 0, tzinfo=UTC))
    checkin = slack.dms("URITA")[-1]
    assert "check-in time" in checkin["text"] and "20 calls" in checkin["text"]
    yes, no = button(checkin["blocks"], "Yes"), button(checkin["blocks"], "No")

    # A stranger's click changes nothing and is refused privately.
    updates_before = len(slack.fake.calls_to("chat.update"))
    await slack.click("USTRANGER", yes["action_id"], yes["value"], ts=checkin["ts"], channel=checkin["channel"])
    assert "belongs to someone else" in slack.last_reply()
    assert slack.fake.calls_to("response_url")[-1].params["response_type"] == "ephemeral"
    assert len(slack.fake.calls_to("chat.update")) == updates_before
    assert [c.status for c in await slack.db.all(CheckIn)] == ["pending"]

    # Rita answers No: the message is edited in place and she is asked what got in the way.
    await slack.click("URITA", no["action_id"], no["value"], ts=checkin["ts"], channel=checkin["channel"])
    edited = slack.fake.calls_to("chat.update")[-1]
    assert (edited.params["channel"], edited.params["ts"]) == (checkin["channel"], checkin["ts"])
    assert "❌ No" in FakeSlack.blocks_text(edited)
    assert "What got in the way" in slack.last_reply()

    # A second click on the same message is harmless.
    await slack.click("URITA", yes["action_id"], yes["value"], ts=checkin["ts"], channel=checkin["channel"])
    assert "Already recorded" in slack.last_reply()
    assert [c.status for c in await slack.db.all(CheckIn)] == ["no"]

    # Her own words, typed in the DM, go to her manager with the exception (threshold 1).
    await slack.event({"type": "message", "channel_type": "im", "user": "URITA", "channel": "DURITA", "text": "Demo prep ate the afternoon.", "ts": "5.0"}, event_id="Ev-note")
    await slack.drain()
    exception = slack.dms("UMGR")[-1]["text"]
    assert "Rita has missed" in exception and "Demo prep ate the afternoon." in exception and "Coaching prompt" in exception
    assert [(c.status, c.note) for c in await slack.db.all(CheckIn)] == [("no", "Demo prep ate the afternoon.")]
    assert [(n.kind, n.rep_id, n.manager_id) for n in await slack.db.all(Notice)] == [("escalation", people["URITA"], people["UMGR"])]

    # Dana's Monday digest (08:00 Chicago) lists Rita as needing help.
    await slack.tick(datetime(2026, 11, 30, 14, 5, tzinfo=UTC))
    digest = slack.dms("UMGR")[-1]["text"]
    assert "Your weekly digest" in digest and "Rita" in digest and "Coaching prompt" in digest

    # The App Home shows what Dana was told.
    await slack.event({"type": "app_home_opened", "user": "URITA", "channel": "DURITA", "tab": "home"}, event_id="Ev-home-2")
    home = FakeSlack.blocks_text(slack.fake.calls_to("views.publish")[-1])
    assert "What Dana was told" in home and "Rita has missed" in home and "20 calls" in home


async def test_manager_can_decline_with_the_button(slack: SlackHarness) -> None:
    await slack.command("URITA", "/accountability", "manager @dana")
    assert "Dana is now your accountability partner" in slack.last_reply()
    people = {p.user_id: p.id for p in await slack.db.all(Person)}
    assert [(link.rep_id, link.manager_id, link.status) for link in await slack.db.all(ManagerLink)] == [
        (people["URITA"], people["UMGR"], "active")
    ]
    await slack.drain()
    told = slack.dms("UMGR")[-1]
    decline = button(told["blocks"], "Decline")
    await slack.click("UMGR", decline["action_id"], decline["value"], ts=told["ts"])
    links = await slack.db.all(ManagerLink)
    assert [link.status for link in links] == ["declined"]
    await slack.drain()
    assert "declined" in slack.dms("URITA")[-1]["text"]
