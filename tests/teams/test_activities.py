"""Reading Teams activities: tenant, time zone, mentions, and what a card submit means."""

from __future__ import annotations

from typing import Any

from botbuilder.schema import Activity

from bot.teams.activities import read_text, tenant_of, timezone_of, to_incoming
from bot.teams.cards import form_card, message_card
from handlers.buttons import Answer, CheckInAnswer, button
from handlers.contract.incoming import ButtonClick, FormSubmit, OpenedHome, TextMessage
from handlers.contract.messages import Address, Message
from handlers.terms_form import TERMS_FORM

BOT = "28:bot"


def activity(**fields: Any) -> Activity:
    body: dict[str, Any] = {
        "type": "message", "id": "1", "channelId": "msteams", "serviceUrl": "http://127.0.0.1:1/",
        "from": {"id": "29:mona", "name": "Mona"}, "recipient": {"id": BOT, "name": "Follow-Through"},
        "conversation": {"id": "a:1", "conversationType": "personal", "tenantId": "T-conv"},
        "channelData": {"tenant": {"id": "T-cd"}},
    }
    body.update(fields)
    result: Activity = Activity().deserialize(body)
    return result


def mention(user_id: str, name: str) -> dict[str, Any]:
    return {"type": "mention", "text": f"<at>{name}</at>", "mentioned": {"id": user_id, "name": name}}


def test_tenant_comes_from_channel_data() -> None:
    assert tenant_of(activity()) == "T-cd"
    assert tenant_of(activity(channelId="emulator", channelData=None, conversation={"id": "c1"})) == "emulator"


def test_time_zone_from_client_info_when_it_is_a_real_zone() -> None:
    assert timezone_of(activity(entities=[{"type": "clientInfo", "timezone": "Europe/Berlin"}])) == "Europe/Berlin"
    assert timezone_of(activity(entities=[{"type": "clientInfo", "timezone": "Mars/Olympus"}])) is None
    assert timezone_of(activity(localTimezone="America/Chicago")) == "America/Chicago"
    assert timezone_of(activity()) is None


def test_mentions_become_addresses_in_order_and_the_bot_mention_is_dropped() -> None:
    text, mentions = read_text(activity(
        text="<at>Follow-Through</at> manager <at>Dana Lee</at> and <at>Olle</at>",
        entities=[mention("29:olle", "Olle"), mention(BOT, "Follow-Through"), mention("29:dana", "Dana Lee")],
    ))
    assert text == "manager @Dana Lee and @Olle"
    assert mentions == (Address("teams", "T-cd", "29:dana"), Address("teams", "T-cd", "29:olle"))


def test_what_an_activity_means() -> None:
    typed = to_incoming(activity(text="list"))
    assert isinstance(typed, TextMessage) and typed.text == "list" and typed.actor.display_name == "Mona"
    card = message_card(Message.text("Did you?", button("Yes", CheckInAnswer(7, Answer.YES))))
    sent = card["body"][1]["actions"][0]["data"]  # the Yes button as the bot draws it
    assert sent == {"ft": "click", "action": "checkin", "value": "7:yes"}  # the shape cards already sent carry
    click = to_incoming(activity(value=sent, replyToId="9"))
    assert click == ButtonClick(click.actor, "checkin", "7:yes")  # type: ignore[union-attr]
    form = to_incoming(activity(value={"ft": "form", "form": "terms", "days": "0,2,4", "time": "09:00", "after_miss": "", "bogus": "x"}))
    assert isinstance(form, FormSubmit) and form.form_id == "terms"
    assert form.values["days"] == ("0", "2", "4") and form.values["after_miss"] == () and form.values["time"] == "09:00"
    assert form.values["oneoff"] == () and form.values["tone"] == "" and "bogus" not in form.values
    added = to_incoming(activity(type="conversationUpdate", membersAdded=[{"id": BOT}]))
    assert isinstance(added, OpenedHome) and added.actor.address == Address("teams", "T-cd", "29:mona")
    assert to_incoming(activity(type="conversationUpdate", membersAdded=[{"id": "29:other"}])) is None
    assert to_incoming(activity(value={"something": "else"})) is None
    assert to_incoming(activity(type="typing")) is None


def test_cards_round_trip_buttons_and_form_values() -> None:
    yes, no = button("Yes", CheckInAnswer(1, Answer.YES), "primary"), button("No", CheckInAnswer(1, Answer.NO), "danger")
    card = message_card(Message.text("Did you?", yes, no))
    actions = card["body"][1]["actions"]
    assert [(a["title"], a.get("style")) for a in actions] == [("Yes", "positive"), ("No", "destructive")]
    back = to_incoming(activity(value=actions[0]["data"]))
    assert isinstance(back, ButtonClick) and (back.action, back.value) == ("checkin", "1:yes")
    form = form_card(TERMS_FORM, {"days": ("0", "1"), "time": "16:30"}, {"time": "Give a time like 16:30 or 5pm."})
    inputs = {b["id"]: b for b in form["body"] if "id" in b}
    assert inputs["days"]["value"] == "0,1" and inputs["time"]["value"] == "16:30"
    assert form["actions"][0]["data"] == {"ft": "form", "form": "terms"}
