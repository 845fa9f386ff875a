"""Kudos in Teams, through Bot Framework activities into `/api/messages` of the real server and
the fake connector: "Send kudos" on a win shows an Adaptive Card with one optional note, its
submit sends the kudos to the rep's chat and, because the rep's terms name a channel (pasted
as its link), starts a thread in that channel; strangers (of the same tenant or another) are
refused and a second click sends nothing new."""

from __future__ import annotations

from storage.coaching_models import Kudos
from storage.models import Outbox, Person, Terms
from tests.teams.fake_connector import CREATE, Call
from tests.teams.harness import (
    GOOD_TERMS,
    TENANT_B,
    TeamsWorld,
    User,
    onboard,
    open_terms_form,
)

MONA = User("29:mona", "Mona Berg")
DANA = User("29:dana", "Dana Lee")
NILS = User("29:nils", "Nils Ek")
OLAF = User("29:olaf", "Olaf Other", tenant=TENANT_B)
WINS = "19:wins0001@thread.tacv2"
WINS_LINK = "https://teams.microsoft.com/l/channel/19%3awins0001%40thread.tacv2/Wins?groupId=g1&tenantId=tenant-aaaa"


async def _win(world: TeamsWorld, **terms: str) -> Call:
    await onboard(world, MONA, **terms)
    for user in (DANA, NILS, OLAF):
        await world.install(user)
    (named,) = await world.say(MONA, "manager <at>Dana Lee</at>", DANA)
    assert named.text.startswith("Dana Lee is now your accountability partner")
    await world.say(MONA, "commit send Acme the proposal by Friday")
    await world.say(MONA, "done 1")
    await world.drain()
    win = world.connector.last_post(DANA.conversation)
    assert "Mona Berg kept a promise" in win.text
    return win


async def test_kudos_card_sends_to_the_rep_and_starts_a_thread_in_the_chosen_channel(world: TeamsWorld) -> None:
    win = await _win(world, kudos_channel=WINS_LINK)
    (terms,) = await world.db.all(Terms)
    assert terms.kudos_channel == WINS
    assert world.connector.channel_posts() == [], "the win goes to the manager only"
    send = win.action("Send kudos")["data"]

    for stranger in (NILS, OLAF):
        (refused,) = await world.submit(stranger, win, send)
        assert "isn't yours" in refused.text and "Nothing was sent" in refused.text
    assert await world.db.count(Kudos) == 0

    (form,) = await world.submit(DANA, win, send)
    assert "Kudos to Mona Berg" in form.text and set(form.inputs()) == {"note"}
    assert form.inputs()["note"]["isRequired"] is False
    (thanks,) = await world.submit(DANA, form, form.action("Send kudos")["data"], note="Great week!")
    assert "Sent!" in thanks.text and "I posted it in 19:wins0001@thread.tacv2" in thanks.text
    await world.drain()

    assert world.connector.last_post(MONA.conversation).text == (
        "🎉 Dana Lee sent you kudos for keeping your promise: “send Acme the proposal”: “Great week!”"
    )
    (thread,) = world.connector.channel_posts(WINS)
    assert thread.body["isGroup"] is True and thread.body["channelData"]["channel"]["id"] == WINS
    assert thread.body["channelData"]["tenant"]["id"] == MONA.tenant
    assert thread.text == "🎉 Dana Lee sent Mona Berg kudos for keeping a promise: “send Acme the proposal”: “Great week!”"
    (row,) = await world.db.all(Kudos)
    assert (row.note, row.channel) == ("Great week!", WINS)

    (again,) = await world.submit(DANA, win, send)
    assert "already sent Mona Berg kudos for this win" in again.text
    await world.drain()
    assert len(world.connector.channel_posts()) == 1 and await world.db.count(Kudos) == 1


async def test_without_a_channel_the_kudos_stays_in_the_reps_chat(world: TeamsWorld) -> None:
    win = await _win(world)
    (form,) = await world.submit(DANA, win, win.action("Send kudos")["data"])
    await world.submit(DANA, form, form.action("Send kudos")["data"], note="")
    (more,) = await world.say(DANA, "kudos <at>Mona Berg</at> Thanks for owning the Acme follow-up", MONA)
    assert "Sent!" in more.text
    await world.drain()
    texts = [c.text for c in world.connector.posts(MONA.conversation)]
    assert "🎉 Dana Lee sent you kudos for keeping your promise: “send Acme the proposal”!" in texts
    assert "🎉 Dana Lee sent you kudos: “Thanks for owning the Acme follow-up”" in texts
    assert world.connector.channel_posts() == []


async def test_the_terms_card_asks_for_the_reflection_the_sharing_and_a_kudos_channel(world: TeamsWorld) -> None:
    form = await open_terms_form(world, MONA)
    inputs = form.inputs()
    assert inputs["reflection"]["type"] == "Input.ChoiceSet" and inputs["reflection"]["value"] == "in_the_way"
    assert [c["title"] for c in inputs["reflection"]["choices"]][1] == "What will you do differently next time?"
    assert inputs["share_reflections"]["value"] == "share"
    assert inputs["kudos_channel"]["type"] == "Input.Text" and inputs["kudos_channel"]["isRequired"] is False
    (errors,) = await world.submit(MONA, form, form.action("Save my terms")["data"], **{**GOOD_TERMS, "kudos_channel": "the wins one"})
    assert "Give a channel like #wins" in errors.text and await world.db.count(Terms) == 0


async def test_a_channel_that_refuses_the_post_costs_only_that_post(world: TeamsWorld) -> None:
    win = await _win(world, kudos_channel=WINS)
    world.connector.fail(CREATE, 403, "BotDisabledByAdmin")  # the bot is blocked in that team
    (form,) = await world.submit(DANA, win, win.action("Send kudos")["data"])
    await world.submit(DANA, form, form.action("Send kudos")["data"], note="Nice one")
    report = await world.drain()
    assert report.unreachable == 0
    assert world.connector.last_post(MONA.conversation).text.endswith("“Nice one”"), "the rep still gets it"
    (failed,) = [row for row in await world.db.all(Outbox) if row.channel_id == WINS]
    assert failed.status == "failed"
    (mona,) = [p for p in await world.db.all(Person) if p.user_id == MONA.id]
    assert mona.reachable, "a channel that can't be posted in says nothing about the rep"
    await world.say(DANA, "kudos <at>Mona Berg</at> And again", MONA)
    await world.drain()
    assert world.connector.last_post(MONA.conversation).text.endswith("“And again”"), "later messages still reach her"
