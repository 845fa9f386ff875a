"""Kudos in Slack, through signed HTTP into the real server against the fake Web API: the
"Send kudos" button on a win opens a modal with one optional note, the submit sends the kudos
to the rep's DM (and, only where the rep's terms name one, to a channel picked with a
`conversations_select`), a second click sends nothing new, and a stranger's click is refused."""

from __future__ import annotations

from typing import Any

from storage.coaching_models import Kudos
from storage.models import Terms
from tests.slack.fake_slack import Call, FakeSlack
from tests.slack.harness import SlackHarness
from tests.slack.test_slack_flows import button, onboard, terms_values

WINS = "CWINS0001"


async def _win_for_dana(slack: SlackHarness) -> dict[str, Any]:
    """Rita names Dana, keeps a one-off promise, and Dana gets the win; returns Dana's message."""
    await slack.command("URITA", "/accountability", "manager <@UMGR|dana>")
    await slack.command("URITA", "/commit", "send Acme the proposal by Friday")
    await slack.command("URITA", "/accountability", "done 1")
    await slack.drain()
    win = slack.dms("UMGR")[-1]
    assert "Rita kept a promise" in win["text"]
    return win


def channel_posts(slack: SlackHarness) -> list[Call]:
    return [c for c in slack.fake.calls_to("chat.postMessage") if not str(c.params["channel"]).startswith("D")]


async def test_send_kudos_opens_the_note_modal_and_posts_where_the_rep_chose(slack: SlackHarness) -> None:
    view = await onboard(slack)
    picker = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}["kudos_channel"]
    assert picker["type"] == "conversations_select" and picker["filter"]["include"] == ["public", "private"]
    chosen = terms_values()
    chosen["kudos_channel"] = {"value": {"type": "conversations_select", "selected_conversation": WINS}}
    chosen["reflection"] = {"value": {"type": "static_select", "selected_option": {"value": "easier"}}}
    status, body = await slack.submit("URITA", view, chosen)
    assert (status, body) == (200, "")
    (terms,) = await slack.db.all(Terms)
    assert (terms.kudos_channel, terms.reflection, terms.share_reflections) == (WINS, "easier", True)
    assert f"also posted in <#{WINS}>" in slack.dms("URITA")[-1]["text"]
    await slack.command("URITA", "/accountability", "terms")
    reopened = {b["block_id"]: b["element"] for b in slack.fake.calls_to("views.open")[-1].params["view"]["blocks"] if b["type"] == "input"}
    assert reopened["kudos_channel"]["initial_conversation"] == WINS, "the modal shows the channel chosen"
    assert reopened["reflection"]["initial_option"]["value"] == "easier"

    win = await _win_for_dana(slack)
    assert channel_posts(slack) == [], "a win is told to the manager, never posted in the channel"
    kudos = button(win["blocks"], "Send kudos")

    opened_before = len(slack.fake.calls_to("views.open"))
    await slack.click("USTRANGER", kudos["action_id"], kudos["value"], ts=win["ts"], channel=win["channel"])
    assert "isn't yours" in slack.last_reply() and "Nothing was sent" in slack.last_reply()
    assert len(slack.fake.calls_to("views.open")) == opened_before

    await slack.click("UMGR", kudos["action_id"], kudos["value"], ts=win["ts"], channel=win["channel"])
    modal = slack.fake.calls_to("views.open")[-1].params["view"]
    assert modal["callback_id"].startswith("form:kudos:") and "Kudos to Rita" in FakeSlack.blocks_text(slack.fake.calls_to("views.open")[-1])
    (note,) = [b for b in modal["blocks"] if b["type"] == "input"]
    assert note["block_id"] == "note" and note["optional"] is True
    assert await slack.db.count(Kudos) == 0

    status, body = await slack.submit("UMGR", modal, {"note": {"value": {"type": "plain_text_input", "value": "Great week!"}}})
    assert (status, body) == (200, "")
    await slack.drain()
    assert slack.dms("URITA")[-1]["text"].count("🎉 Dana sent you kudos for keeping your promise: “send Acme the proposal”: “Great week!”") == 1
    (posted,) = channel_posts(slack)
    assert posted.params["channel"] == WINS
    assert "🎉 Dana sent Rita kudos for keeping a promise: “send Acme the proposal”: “Great week!”" in FakeSlack.blocks_text(posted)
    (row,) = await slack.db.all(Kudos)
    assert (row.note, row.channel) == ("Great week!", WINS)

    await slack.click("UMGR", kudos["action_id"], kudos["value"], ts=win["ts"], channel=win["channel"])
    assert "already sent Rita kudos for this win" in slack.last_reply()
    await slack.drain()
    assert await slack.db.count(Kudos) == 1 and len(channel_posts(slack)) == 1


async def test_without_a_channel_in_the_terms_kudos_only_go_to_the_dm(slack: SlackHarness) -> None:
    win = await _win_for_dana(slack)
    kudos = button(win["blocks"], "Send kudos")
    await slack.click("UMGR", kudos["action_id"], kudos["value"], ts=win["ts"], channel=win["channel"])
    modal = slack.fake.calls_to("views.open")[-1].params["view"]
    status, _ = await slack.submit("UMGR", modal, {"note": {"value": {"type": "plain_text_input", "value": None}}})
    assert status == 200
    await slack.drain()
    assert slack.dms("URITA")[-1]["text"].count("Dana sent you kudos for keeping your promise: “send Acme the proposal”!") == 1
    assert channel_posts(slack) == []
    await slack.command("UMGR", "/accountability", "kudos <@URITA|rita> Thanks for the honesty this week")
    await slack.drain()
    assert "Dana sent you kudos: “Thanks for the honesty this week”" in slack.dms("URITA")[-1]["text"]
    assert [k.note for k in await slack.db.all(Kudos)] == [None, "Thanks for the honesty this week"]
    assert channel_posts(slack) == []
