"""The reflection question the rep chose, in Slack: picked in the terms modal, asked after a
No on the check-in DM, and the answer typed in the DM kept with that check-in; the answers
kept private stay out of what the manager is told."""

from __future__ import annotations

from datetime import UTC, datetime

from handlers.rules.self_coaching_library import LIBRARY
from storage.coaching_models import SelfCoachingOffer
from storage.models import CheckIn, Terms
from tests.slack.harness import SlackHarness
from tests.slack.test_slack_flows import button, onboard, terms_values


async def test_the_chosen_question_is_asked_after_a_no_and_the_answer_kept(slack: SlackHarness) -> None:
    view = await onboard(slack)
    values = terms_values(threshold="1")
    values["reflection"] = {"value": {"type": "static_select", "selected_option": {"value": "learned"}}}
    values["share_reflections"] = {"value": {"type": "static_select", "selected_option": {"value": "private"}}}
    assert await slack.submit("URITA", view, values) == (200, "")
    (terms,) = await slack.db.all(Terms)
    assert (terms.reflection, terms.share_reflections) == ("learned", False)
    confirmation = slack.dms("URITA")[-1]["text"]
    assert "I ask what you learned from it" in confirmation and "your manager never sees them" in confirmation

    await slack.command("URITA", "/commit", "20 calls every weekday")
    await slack.command("URITA", "/accountability", "manager <@UMGR|dana>")
    await slack.tick(datetime(2026, 11, 23, 22, 0, tzinfo=UTC))  # Monday 17:00 in New York
    checkin = slack.dms("URITA")[-1]
    no = button(checkin["blocks"], "No")
    await slack.click("URITA", no["action_id"], no["value"], ts=checkin["ts"], channel=checkin["channel"])
    asked = slack.last_reply()
    assert "About “20 calls”: What did you learn from it? Be straight with yourself." in asked
    assert "What got in the way" not in asked

    await slack.event(
        {"type": "message", "channel_type": "im", "user": "URITA", "channel": "DURITA", "text": "Calls go better before 10.", "ts": "5.0"},
        event_id="Ev-reflection",
    )
    await slack.drain()
    assert [(c.status, c.note) for c in await slack.db.all(CheckIn)] == [("no", "Calls go better before 10.")]
    told = slack.dms("UMGR")[-1]["text"]
    assert "Rita has missed" in told and "Calls go better before 10." not in told, "Rita keeps her answers between us"


async def test_a_second_miss_in_a_row_brings_one_self_coaching_prompt_in_the_dm(slack: SlackHarness) -> None:
    view = await onboard(slack)
    assert await slack.submit("URITA", view, terms_values(threshold="3")) == (200, "")
    await slack.command("URITA", "/commit", "send Acme the proposal every weekday")
    await slack.command("URITA", "/accountability", "manager <@UMGR|dana>")
    notes = ["Legal still has it.", "Waiting on pricing."]
    for day, note in zip((23, 24), notes, strict=True):
        await slack.tick(datetime(2026, 11, day, 22, 0, tzinfo=UTC))  # 17:00 in New York
        checkin = slack.dms("URITA")[-1]
        no = button(checkin["blocks"], "No")
        await slack.click("URITA", no["action_id"], no["value"], ts=checkin["ts"], channel=checkin["channel"])
        await slack.event(
            {"type": "message", "channel_type": "im", "user": "URITA", "channel": "DURITA", "text": note, "ts": f"{day}.0"},
            event_id=f"Ev-note-{day}",
        )
        await slack.drain()
    assert sorted(c.note or "" for c in await slack.db.all(CheckIn)) == sorted(notes)
    offers = await slack.db.all(SelfCoachingOffer)
    assert [o.prompt_key.split(".")[0] for o in offers] == ["deal"], "a deal gets a deal prompt, once"
    (prompt,) = [p for p in LIBRARY if p.key == offers[0].prompt_key]
    said = [m["text"] for m in slack.dms("URITA") + [{"text": r} for r in slack.replies()] if prompt.text in m["text"]]
    assert len(said) == 1 and "2 misses in a row" in said[0]
    assert not any(prompt.text in m["text"] for m in slack.dms("UMGR")), "the prompt is Rita's alone"
