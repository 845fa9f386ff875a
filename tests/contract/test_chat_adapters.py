"""The ChatAdapter contract (`handlers.contract.ports`), the same tests for every implementation:
Slack against the fake Web API, Teams against the fake connector, the console, and the
in-memory `FakeChat` the core's tests use in their place.

A send returns a reference that a later update takes back to edit that same message; the
platform's failures arrive as the outbox's delivery errors (`RateLimited` with the platform's
Retry-After, `TransientError`, `Unreachable`, `Rejected`); a failure leaves nothing broken
behind. Where an implementation cannot fail some way at all (the console never fails), the
test holds it to the opposite promise: that call succeeds.
"""

from __future__ import annotations

import pytest

from handlers.contract import ports
from handlers.contract.messages import Message
from handlers.contract.ports import DeliveryError, RateLimited
from tests.contract.drivers import (
    EXPECTED,
    KINDS,
    RETRY_AFTER,
    Driver,
    Kind,
    Seen,
)


async def send(chat: Driver, text: str) -> str:
    return await chat.adapter.send(chat.address, Message.text(text))


async def failed_send(chat: Driver, kind: Kind) -> DeliveryError | None:
    """Script a `kind` failure and send: the error the adapter raised, or None (after checking
    that the send went through) where the platform cannot fail that way."""
    if not chat.supports(kind):
        assert await send(chat, "hello")
        only(chat.delivered(), "hello")
        return None
    chat.fail_next(kind)
    with pytest.raises(EXPECTED[kind]) as raised:
        await send(chat, "hello")
    assert chat.delivered() == [], "a refused send must not count as delivered"
    return raised.value


def only(seen: list[Seen], text: str) -> Seen:
    """The one message the platform received, which must show `text`."""
    assert len(seen) == 1, seen
    assert text in seen[0].text, seen[0]
    return seen[0]


async def test_send_returns_a_reference_and_the_platform_receives_one_message(chat: Driver) -> None:
    ref = await send(chat, "hello")

    assert isinstance(ref, str) and ref
    only(chat.delivered(), "hello")
    assert chat.edited() == []


async def test_update_edits_the_sent_message_in_place(chat: Driver) -> None:
    ref = await send(chat, "hello")

    await chat.adapter.update(chat.address, ref, Message.text("changed"))

    sent = only(chat.delivered(), "hello")
    edit = only(chat.edited(), "changed")
    assert "hello" not in edit.text
    assert edit.message == sent.message


async def test_each_send_is_a_new_message_and_its_reference_edits_that_one(chat: Driver) -> None:
    first = await send(chat, "first")
    second = await send(chat, "second")

    await chat.adapter.update(chat.address, second, Message.text("second, changed"))

    assert first != second
    delivered = chat.delivered()
    assert [("first" in s.text, "second" in s.text) for s in delivered] == [(True, False), (False, True)]
    assert only(chat.edited(), "second, changed").message == delivered[1].message


async def test_a_429_raises_rate_limited_with_the_platforms_retry_after(chat: Driver) -> None:
    error = await failed_send(chat, "rate_limited")

    assert error is None or (isinstance(error, RateLimited) and error.retry_after == RETRY_AFTER)


async def test_a_server_error_raises_a_transient_error(chat: Driver) -> None:
    await failed_send(chat, "transient")


async def test_a_person_who_blocked_or_left_raises_unreachable(chat: Driver) -> None:
    await failed_send(chat, "unreachable")


async def test_a_message_the_platform_refuses_raises_rejected(chat: Driver) -> None:
    await failed_send(chat, "rejected")


@pytest.mark.parametrize("kind", KINDS)
async def test_after_a_failed_send_the_next_send_succeeds(chat: Driver, kind: Kind) -> None:
    error = await failed_send(chat, kind)

    ref = await send(chat, "again")

    assert ref
    texts = [s.text for s in chat.delivered()]
    assert len(texts) == (1 if error is not None else 2)
    assert "again" in texts[-1]


@pytest.mark.parametrize("kind", KINDS)
async def test_a_failed_update_raises_the_same_errors_and_a_retry_edits_the_message(
    chat: Driver, kind: Kind,
) -> None:
    ref = await send(chat, "hello")
    update = Message.text("changed")

    if chat.supports(kind, "update"):
        chat.fail_next(kind, "update")
        with pytest.raises(EXPECTED[kind]) as raised:
            await chat.adapter.update(chat.address, ref, update)
        assert chat.edited() == [], "a refused edit must not count as done"
        if isinstance(raised.value, RateLimited):
            assert raised.value.retry_after == RETRY_AFTER

    await chat.adapter.update(chat.address, ref, update)
    assert only(chat.edited(), "changed").message == only(chat.delivered(), "hello").message


async def test_rates_are_positive_per_workspace_and_never_negative_per_conversation(chat: Driver) -> None:
    assert chat.adapter.rate_per_second(chat.address.workspace_id) > 0
    assert chat.adapter.conversation_rate_per_second() >= 0


@pytest.mark.parametrize("garbled", ["", "not a reference", "{}", '{"channel": 1}', "[]"])
async def test_an_update_with_a_reference_the_adapter_never_made_is_rejected(chat: Driver, garbled: str) -> None:
    await send(chat, "hello")
    update = Message.text("changed")
    if chat.reads_references:
        with pytest.raises(ports.Rejected):
            await chat.adapter.update(chat.address, garbled, update)
        assert chat.edited() == []
    else:
        await chat.adapter.update(chat.address, garbled, update)
        assert [seen.text for seen in chat.edited()] != []
