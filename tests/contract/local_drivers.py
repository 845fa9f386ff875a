"""The contract drivers for the adapters that need no platform server: the console (its
output read back from a string buffer) and the in-memory `FakeChat` the core's tests use."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.console.adapter import ConsoleChat, ConsoleOutput, address_for
from handlers.contract import ports
from handlers.contract.messages import Address
from handlers.contract.ports import DeliveryError, FixedClock
from tests.contract.drivers import NOW, RETRY_AFTER, Driver, Kind, Operation, Seen
from tests.support import FakeChat

# -- console ----------------------------------------------------------------------------------

HEAD, UPDATED = "bot → ", " (updated)"


@dataclass
class ConsoleDriver:
    out: io.StringIO
    adapter: ConsoleChat
    address: Address
    reads_references: bool = False

    def _printed(self) -> list[tuple[str, bool, str]]:
        """(recipient, updated, text) for each message printed, continuation lines included."""
        printed: list[tuple[str, bool, str]] = []
        for line in self.out.getvalue().splitlines():
            if line.startswith(HEAD):
                who, _, text = line.removeprefix(HEAD).partition(": ")
                printed.append((who.removesuffix(UPDATED), who.endswith(UPDATED), text))
            elif line.startswith("    ") and printed:
                who, updated, text = printed[-1]
                printed[-1] = (who, updated, f"{text}\n{line.strip()}")
        return printed

    def delivered(self) -> list[Seen]:
        # The console names no message: an edit can only be matched to its recipient.
        return [Seen(text, who) for who, updated, text in self._printed() if not updated]

    def edited(self) -> list[Seen]:
        return [Seen(text, who) for who, updated, text in self._printed() if updated]

    def supports(self, kind: Kind, operation: Operation = "send") -> bool:
        return False  # printing to a terminal cannot be refused, throttled or dropped

    def fail_next(self, kind: Kind, operation: Operation = "send") -> None:
        raise AssertionError("the console cannot be made to fail")


@asynccontextmanager
async def console_driver(tmp_path: Path) -> AsyncIterator[Driver]:
    out = io.StringIO()
    output = ConsoleOutput(out, FixedClock(NOW), ZoneInfo("Europe/Berlin"))
    yield ConsoleDriver(out, ConsoleChat(output), address_for("Rita"))


# -- memory -----------------------------------------------------------------------------------

MEMORY_ERRORS: dict[Kind, Callable[[], DeliveryError]] = {
    "rate_limited": lambda: ports.RateLimited(RETRY_AFTER), "transient": lambda: ports.TransientError("500"),
    "unreachable": lambda: ports.Unreachable("blocked"), "rejected": lambda: ports.Rejected("too long"),
}


@dataclass
class MemoryDriver:
    adapter: FakeChat
    address: Address
    reads_references: bool = False

    def delivered(self) -> list[Seen]:
        return [Seen(d.message.plain_text, d.ref) for d in self.adapter.sent]

    def edited(self) -> list[Seen]:
        return [Seen(d.message.plain_text, d.ref) for d in self.adapter.updated]

    def supports(self, kind: Kind, operation: Operation = "send") -> bool:
        return operation == "send"  # `FakeChat.fail` scripts sends; its updates always succeed

    def fail_next(self, kind: Kind, operation: Operation = "send") -> None:
        assert operation == "send", "FakeChat's updates cannot be made to fail"
        self.adapter.fail(self.address.user_id, MEMORY_ERRORS[kind]())


@asynccontextmanager
async def memory_driver(tmp_path: Path) -> AsyncIterator[Driver]:
    chat = FakeChat()
    yield MemoryDriver(chat, Address(chat.platform, "T1", "U1"))


