"""The ChatAdapter contract for a message bigger than one platform message can be (Slack:
50 blocks, 3,000 characters a section; Teams: about 28 KB a card), for every implementation:
it is delivered whole and in order, and its one reference edits it in place, posting nothing
new. The fakes refuse anything over the platforms' limits, so a delivery that succeeds was
within them."""

from __future__ import annotations

from handlers.contract.messages import Button, Message, Section
from tests.contract.drivers import Driver, Seen


def long_message(label: str) -> Message:
    """40 answerable sections of some 800 characters (80 blocks; 30 KB as a card), then a
    section of 120 lines (about 8,000 characters)."""
    rows = tuple(
        Section(
            f"{label} item {n:02d}: " + "keep the promise you made " * 30,
            (Button("Yes", "answer", f"{n}:yes", "primary"), Button("No", "answer", f"{n}:no", "danger")),
        )
        for n in range(40)
    )
    notes = Section("\n".join(f"{label} note {n:03d}: " + "what got in the way " * 3 for n in range(120)))
    return Message(sections=(*rows, notes), summary=f"{label}: time to check in")


def lines_of(message: Message) -> list[str]:
    return [line.strip() for section in message.sections for line in section.text.split("\n")]


def in_order(seen: list[Seen], lines: list[str]) -> bool:
    """Every line shows in what the platform received, in the order of the message."""
    shown, at = "\n".join(s.text for s in seen), 0
    for line in lines:
        at = shown.find(line, at)
        if at < 0:
            return False
    return True


async def test_a_message_too_big_for_one_platform_message_arrives_whole_and_in_order(chat: Driver) -> None:
    message = long_message("sent")

    ref = await chat.adapter.send(chat.address, message)

    assert ref and in_order(chat.delivered(), lines_of(message))


async def test_its_one_reference_edits_all_of_it_in_place(chat: Driver) -> None:
    ref = await chat.adapter.send(chat.address, long_message("sent"))
    delivered = chat.delivered()

    changed = long_message("changed")
    await chat.adapter.update(chat.address, ref, changed)

    assert chat.delivered() == delivered, "an edit of the same size posts nothing new"
    assert in_order(chat.edited(), lines_of(changed))
    assert {seen.message for seen in chat.edited()} <= {seen.message for seen in delivered}
