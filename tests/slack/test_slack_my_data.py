"""The rep's data is the rep's, in Slack, through signed HTTP into the real server: `export`
uploads a JSON file into the rep's DM (Slack's external upload, against the fake Web API), and
`forget` deletes every row about them after they confirm; their manager hears only that they
left, and the rep who had named them as partner is told they can name another."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from handlers.contract.ports import FixedClock
from storage.models import CheckIn, Commitment, Notice, Person
from tests.my_data_checks import read_export, rows_referring_to
from tests.slack.conftest import MONDAY_MORNING
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import SlackHarness
from tests.slack.test_slack_flows import button, onboard, terms_values
from tests.slack.test_slack_oauth import ACME_TOKEN, install

MONDAY_5PM_NY = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)


async def rita_misses_once_and_says_why(slack: SlackHarness) -> None:
    """Rita (terms: tell Dana after one miss) commits, names Dana, answers No with a note; Sam
    names Rita as his accountability partner."""
    view = await onboard(slack)
    await slack.submit("URITA", view, terms_values(threshold="1"))
    await slack.command("URITA", "/commit", "20 calls every weekday")
    await slack.command("URITA", "/accountability", "manager <@UMGR|dana>")
    await slack.command("USTRANGER", "/accountability", "manager <@URITA|rita>")
    await slack.tick(MONDAY_5PM_NY)
    checkin = slack.dms("URITA")[-1]
    no = button(checkin["blocks"], "No")
    await slack.click("URITA", no["action_id"], no["value"], ts=checkin["ts"], channel=checkin["channel"])
    await slack.event(
        {"type": "message", "channel_type": "im", "user": "URITA", "channel": "DURITA", "text": "Demo prep ate the afternoon.", "ts": "5.0"},
        event_id="Ev-note",
    )
    await slack.drain()
    assert "Rita has missed" in slack.dms("UMGR")[-1]["text"]


def last_reply_blocks(slack: SlackHarness) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = slack.fake.calls_to("response_url")[-1].params["blocks"]
    return blocks


async def test_export_uploads_the_reps_own_data_as_json_into_their_dm(slack: SlackHarness) -> None:
    await rita_misses_once_and_says_why(slack)

    status, _ = await slack.command("URITA", "/accountability", "export")
    assert status == 200 and "on its way to our direct messages" in slack.last_reply()
    await slack.drain()

    (shared,) = slack.fake.shared_files("DURITA")
    assert shared["filename"].startswith("follow-through-export-") and shared["filename"].endswith(".json")
    assert shared["length"] == len(shared["content"])
    assert "everything I've stored about you" in shared["initial_comment"]
    assert slack.fake.calls_to("files.completeUploadExternal")[-1].params["channel_id"] == "DURITA"
    data = read_export(shared["content"])
    assert data["person"]["user_id"] == "URITA" and data["person"]["time_zone"] == "America/New_York"
    (commitment,) = data["commitments"]
    assert commitment["text"] == "20 calls every weekday"
    assert [(c["answer"], c["note"]) for c in commitment["checkins"]] == [("no", "Demo prep ate the afternoon.")]
    (told,) = data["manager_notices"]
    assert told["told"] == "Dana" and "Rita has missed" in told["text"] and told["commitment"] == 1
    assert [(p["name"], p["status"]) for p in data["partners"]] == [("Dana", "active")]
    assert data["partner_of"] == [{"name": "Sam", "status": "active", "created_at": data["partner_of"][0]["created_at"], "responded_at": None}]
    assert [t["tell_manager_after_misses"] for t in data["terms"]] == [1]
    assert "USTRANGER" not in shared["content"].decode() and "UMGR" not in shared["content"].decode()
    assert slack.fake.shared_files("DUMGR") == [] and slack.fake.shared_files("DUSTRANGER") == []


async def test_a_completion_naming_a_file_slack_never_issued_is_refused(fake_slack: FakeSlack) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(fake_slack.api_url + "files.completeUploadExternal", data={"files": '[{"id": "F404"}]', "channel_id": "DURITA"}) as r:
            answer = await r.json()
        async with http.post(fake_slack.api_url + "files.getUploadURLExternal", data={"filename": "a.json", "length": "2"}) as r:
            issued = await r.json()
        async with http.post(fake_slack.api_url + "files.completeUploadExternal", data={"files": f'[{{"id": "{issued["file_id"]}"}}]'}) as r:
            not_uploaded = await r.json()
    assert answer == {"ok": False, "error": "file_not_found"}
    assert not_uploaded == {"ok": False, "error": "file_not_found"}  # issued, but its bytes never arrived


async def test_forget_after_confirm_deletes_every_row_and_tells_the_manager_one_line(slack: SlackHarness) -> None:
    await rita_misses_once_and_says_why(slack)
    (rita,) = await slack.db.all(Person, Person.user_id == "URITA")
    dana_before, sam_before = len(slack.dms("UMGR")), len(slack.dms("USTRANGER"))

    await slack.command("URITA", "/accountability", "forget")
    assert "forget you" in slack.last_reply()
    confirm = button(last_reply_blocks(slack), "Confirm")
    # Dana clicking Rita's Confirm (a button only Rita was shown) forgets nobody.
    await slack.click("UMGR", confirm["action_id"], confirm["value"])
    assert "nothing changed" in slack.last_reply()
    assert await slack.db.count(Person) == 3

    await slack.click("URITA", confirm["action_id"], confirm["value"])
    assert "deleted everything I stored about you" in slack.last_reply()
    await slack.drain()

    assert await rows_referring_to(slack.db.sessions, rita.id, "URITA") == []
    assert await slack.db.count(Commitment) == 0 and await slack.db.count(CheckIn) == 0 and await slack.db.count(Notice) == 0
    dana_new = [m["text"] for m in slack.dms("UMGR")[dana_before:]]
    assert len(dana_new) == 1 and "Rita has left Follow-Through; they're no longer in your digest." in dana_new[0]
    sam_new = [m["text"] for m in slack.dms("USTRANGER")[sam_before:]]
    assert len(sam_new) == 1 and "your accountability partner, has left" in sam_new[0] and "/accountability manager" in sam_new[0]
    assert slack.dms("URITA")[-1]["text"] != sam_new[0]  # nothing more went to Rita's DM

    # Her old Confirm button, clicked again, is harmless: she is simply someone new.
    await slack.click("URITA", confirm["action_id"], confirm["value"])
    assert "nothing changed" in slack.last_reply()
    await slack.drain()
    assert [m["text"] for m in slack.dms("UMGR")[dana_before:]] == dana_new
    (again,) = await slack.db.all(Person, Person.user_id == "URITA")
    assert again.id != rita.id and await slack.db.count(Commitment) == 0


async def test_cancel_keeps_everything(slack: SlackHarness) -> None:
    await rita_misses_once_and_says_why(slack)
    before = (await slack.db.count(Person), await slack.db.count(Commitment), await slack.db.count(CheckIn), await slack.db.count(Notice))
    dana_before = len(slack.dms("UMGR"))

    await slack.command("URITA", "/accountability", "forget")
    asked = last_reply_blocks(slack)
    cancel = button(asked, "Cancel")
    await slack.click("URITA", cancel["action_id"], cancel["value"])
    assert "kept everything" in slack.last_reply()
    await slack.drain()

    after = (await slack.db.count(Person), await slack.db.count(Commitment), await slack.db.count(CheckIn), await slack.db.count(Notice))
    assert after == before == (3, 1, 1, 1)
    assert len(slack.dms("UMGR")) == dana_before
    confirm = button(asked, "Confirm")
    await slack.click("URITA", confirm["action_id"], confirm["value"])  # a Confirm after Cancel: the question closed
    assert "nothing changed" in slack.last_reply()
    assert await slack.db.count(Commitment) == 1


@pytest.fixture
async def multi(tmp_path: Path, fake_slack: FakeSlack) -> AsyncIterator[SlackHarness]:
    """Slack installed per workspace through OAuth (as in test_slack_oauth.py)."""
    harness = SlackHarness(
        f"sqlite+aiosqlite:///{tmp_path}/oauth.db", fake_slack, FixedClock(MONDAY_MORNING),
        slack_bot_token=None, slack_client_id="1111.2222", slack_client_secret="client-secret-value",
    )
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


async def test_forgetting_the_person_who_installed_the_app_keeps_the_workspace_served(multi: SlackHarness) -> None:
    await install(multi, "TACME", ACME_TOKEN, "code-acme")
    multi.fake.add_user("TACME", "UADMINTACME", "Ada", "Europe/Berlin")
    multi.fake.add_user("TACME", "UA1", "Ann", "Europe/Berlin")
    await multi.command("UADMINTACME", "/commit", "20 calls every weekday", team="TACME")
    (ada,) = await multi.db.all(Person, Person.user_id == "UADMINTACME")
    assert await rows_referring_to(multi.db.sessions, ada.id, "UADMINTACME") != []

    await multi.command("UADMINTACME", "/accountability", "forget", team="TACME")
    confirm = button(last_reply_blocks(multi), "Confirm")
    await multi.click("UADMINTACME", confirm["action_id"], confirm["value"], team="TACME")
    assert "deleted everything I stored about you" in multi.last_reply()

    assert await rows_referring_to(multi.db.sessions, ada.id, "UADMINTACME") == []
    await multi.command("UA1", "/commit", "send the deck by Friday", team="TACME")
    assert "Logged #1" in multi.last_reply()  # the workspace's bot token still answers
