"""A bug anywhere in the core never reaches the platform as an exception: `pipeline.deliver`
answers it with a clear reply and a short error id, logs that id with the traceback, keeps
a submitted form open, and the router's transaction leaves nothing half-written."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from handlers import commitments, pipeline
from handlers.context import Context
from handlers.contract.incoming import Command, FormSubmit, Incoming, TextMessage
from handlers.contract.messages import Message
from handlers.contract.outcomes import FormErrors, OpenForm
from handlers.contract.ports import FixedClock
from storage.models import Commitment, Person
from tests.support import Database, actor, migrate

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
WENT_WRONG = re.compile(
    r"^Sorry, something went wrong on my side and nothing was saved\. "
    r"If it happens again, tell your admin this code: ([0-9a-f]{8})$"
)


@dataclass
class Shown:
    """A `Renderer` that records what the person would see."""

    replies: list[str] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)

    async def reply(self, message: Message) -> None:
        self.replies.append(message.plain_text)

    async def update(self, ref: str | None, message: Message) -> None:
        raise AssertionError("nothing to update here")

    async def open_form(self, form: OpenForm) -> None:
        raise AssertionError("no form to open here")

    async def form_errors(self, errors: FormErrors) -> None:
        self.errors.append(dict(errors.errors))


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    url = f"sqlite+aiosqlite:///{tmp_path}/errors.db"
    await migrate(url)
    async with Database(url) as database:
        yield database


@pytest.fixture
def broken_after_writing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Logging a commitment writes (and flushes) its row, then fails, as a bug would."""
    real_create = commitments.create

    async def create_then_fail(*args: Any, **kwargs: Any) -> Commitment:
        await real_create(*args, **kwargs)
        raise RuntimeError("a bug after the write")

    monkeypatch.setattr(commitments, "create", create_then_fail)


async def deliver(db: Database, incoming: Incoming) -> Shown:
    shown = Shown()
    await pipeline.deliver(Context(store=db.store, clock=FixedClock(NOW)), incoming, shown)
    return shown


@pytest.mark.usefixtures("broken_after_writing")
async def test_a_bug_is_answered_with_an_error_id_that_the_log_has_with_its_traceback(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="handlers.pipeline"):
        shown = await deliver(db, Command(actor(), "commit", "20 calls every weekday"))
    (reply,) = shown.replies
    found = WENT_WRONG.match(reply)
    assert found, reply
    (record,) = caplog.records
    assert found.group(1) in record.getMessage() and "Command" in record.getMessage()
    assert record.exc_info is not None and isinstance(record.exc_info[1], RuntimeError)


@pytest.mark.usefixtures("broken_after_writing")
async def test_a_bug_leaves_nothing_half_written(db: Database) -> None:
    await deliver(db, Command(actor(), "commit", "20 calls every weekday"))
    assert await db.count(Commitment) == 0
    assert await db.count(Person) == 0  # the person met on this request was rolled back too


@pytest.mark.usefixtures("broken_after_writing")
async def test_a_form_submitted_into_a_bug_stays_open_with_the_error_id_under_its_first_field(db: Database) -> None:
    shown = await deliver(db, FormSubmit(actor(), commitments.COMMIT_FORM.form_id, {"text": "20 calls every weekday"}))
    assert shown.replies == []
    (errors,) = shown.errors
    assert list(errors) == ["text"] and WENT_WRONG.match(errors["text"]), errors
    assert await db.count(Commitment) == 0


@pytest.mark.usefixtures("broken_after_writing")
async def test_each_failure_gets_its_own_id_and_the_next_request_works_again(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await deliver(db, Command(actor(), "commit", "20 calls every weekday"))
    second = await deliver(db, Command(actor(), "commit", "20 calls every weekday"))
    found = [WENT_WRONG.match(shown.replies[-1]) for shown in (first, second)]
    assert found[0] and found[1] and found[0].group(1) != found[1].group(1)
    monkeypatch.undo()
    fixed = await deliver(db, Command(actor(), "commit", "20 calls every weekday"))
    assert any("Logged #1: 20 calls" in text for text in fixed.replies)


async def test_without_a_bug_nothing_is_reported(db: Database, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR):
        shown = await deliver(db, Command(actor(), "commit", "20 calls every weekday"))
        shown.replies += (await deliver(db, TextMessage(actor(), "list"))).replies
    assert not any(WENT_WRONG.match(text) for text in shown.replies)
    assert caplog.records == []
