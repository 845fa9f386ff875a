"""The console as a chat platform: a ChatAdapter that prints, and a line-driven session.

People are named by `:as NAME`; buttons are numbered and clicked by typing the number;
`:time` and `:advance` move a simulated clock and run whatever fell due on the way (the
composition root hands the session the scheduler's jobs as `ConsoleJobs`).
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.console.render import render
from handlers import pipeline
from handlers.context import Context
from handlers.contract.incoming import (
    Actor,
    ButtonClick,
    Command,
    Incoming,
    TextMessage,
)
from handlers.contract.messages import Address, Button, Message, Section
from handlers.contract.outcomes import FormErrors, OpenForm
from handlers.contract.ports import FixedClock

PLATFORM = "console"
WORKSPACE = "local"
_DURATION = re.compile(r"^(\d+)\s*([dhm])$")


def address_for(name: str) -> Address:
    return Address(platform=PLATFORM, workspace_id=WORKSPACE, user_id=name.lower())


class ConsoleOutput:
    """Prints what the bot says, numbering buttons so they can be typed; marks the time when it moves."""

    def __init__(self, out: TextIO, clock: FixedClock, tz: ZoneInfo) -> None:
        self._out = out
        self._clock = clock
        self._tz = tz
        self.buttons: dict[int, tuple[str, Button]] = {}
        self._last_marked: datetime | None = None

    def _number(self, owner: str) -> Callable[[Button], int]:
        def number(button: Button) -> int:
            n = len(self.buttons) + 1
            self.buttons[n] = (owner, button)
            return n

        return number

    def mark_time(self) -> None:
        now = self._clock.now()
        if self._last_marked != now:
            self._last_marked = now
            self.line(f"-- {now.astimezone(self._tz):%a %Y-%m-%d %H:%M} --")

    def show(self, recipient: str, message: Message, updated: bool = False) -> None:
        self.mark_time()
        self.line(render(recipient, message, self._number(recipient), updated))

    def line(self, text: str) -> None:
        self._out.write(text + "\n")
        self._out.flush()


class ConsoleChat:
    """The ChatAdapter for console people: sending prints to the terminal. A message's file is
    written to `files` (default: the current directory) and the message says where."""

    platform = PLATFORM

    def __init__(self, output: ConsoleOutput, files: Path | None = None) -> None:
        self._output = output
        self._sent = 0
        self._files = files

    async def send(self, to: Address, message: Message) -> str:
        if message.attachment is not None:
            message = save_attachment(message, self._files or Path.cwd())
        self._output.show(f"#{to.channel_id.lstrip('#')}" if to.channel_id else to.user_id, message)
        self._sent += 1
        return str(self._sent)

    async def update(self, to: Address, ref: str, message: Message) -> None:
        self._output.show(to.user_id, message, updated=True)

    def rate_per_second(self, workspace_id: str) -> float:
        return 1000.0

    def conversation_rate_per_second(self) -> float:
        return 0.0


def save_attachment(message: Message, directory: Path) -> Message:
    """Write the message's file into `directory` (never over an earlier one) and return the
    message without it, ending with where it was saved."""
    if message.attachment is None:
        return message
    name = Path(message.attachment.name).name or "file"
    path = directory / name
    for number in range(2, 1000):
        if not path.exists():
            break
        path = directory / f"{Path(name).stem}-{number}{Path(name).suffix}"
    path.write_text(message.attachment.content, encoding="utf-8")
    saved = Section(f"{name} saved to {path.resolve()}")
    return Message((*message.sections, saved), message.summary)


class ConsoleRenderer:
    """A `handlers.contract.ports.Renderer` for the person typing: replies and updates are printed
    (the console has no forms: the two questions are asked step by step instead)."""

    def __init__(self, output: ConsoleOutput, speaker: str) -> None:
        self._output = output
        self._speaker = speaker

    async def reply(self, message: Message) -> None:
        self._output.show(self._speaker, message)

    async def update(self, ref: str | None, message: Message) -> None:
        self._output.show(self._speaker, message, updated=True)

    async def open_form(self, form: OpenForm) -> None:
        self._output.line(f"({form.form.title}: this console shows no forms; type the command instead)")

    async def form_errors(self, errors: FormErrors) -> None:
        for name, problem in errors.errors.items():
            self._output.line(f"({name}: {problem})")


@dataclass(frozen=True)
class ConsoleJobs:
    """What moving the clock runs: the scheduler's jobs as of an instant, when they next have
    work, and sending what they queued."""

    run_due: Callable[[datetime], Awaitable[object]]
    next_wakeup_after: Callable[[datetime], Awaitable[datetime | None]]
    send_queued: Callable[[], Awaitable[object]]


@dataclass
class ConsoleSession:
    """Reads lines, routes them to the handlers as the current person, and runs the clock."""

    ctx: Context
    clock: FixedClock
    output: ConsoleOutput
    jobs: ConsoleJobs
    tz: ZoneInfo
    speaker: str = "you"
    echo: bool = False

    def _actor(self) -> Actor:
        return Actor(address=address_for(self.speaker), display_name=self.speaker.capitalize(), tz=self.tz.key)

    async def run(self, stream: TextIO) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if stream.isatty():
                self.output._out.write(f"{self.speaker}> ")
                self.output._out.flush()
            raw = await loop.run_in_executor(None, stream.readline)
            if raw == "":
                return
            await self.feed(raw.rstrip("\n"))

    async def feed(self, line: str) -> None:
        """Handle one input line; an unexpected failure is reported and the session goes on."""
        try:
            await self._feed(line)
        except Exception as error:  # the console must survive a bug in one line's handling
            logging.getLogger(__name__).exception("console line failed")
            self.output.line(f"(something went wrong handling that line: {error!r}; nothing was saved)")

    async def _feed(self, line: str) -> None:
        text = line.strip()
        if not text or text.startswith("#"):
            return
        if self.echo:
            self.output.line(f"{self.speaker}> {text}")
        if text.startswith(":"):
            await self._meta(text)
        elif text.isascii() and text.isdigit() and len(text) < 10:
            await self._click(int(text))
        elif text.startswith("/"):
            name, _, rest = text[1:].partition(" ")
            mentions = tuple(address_for(m) for m in re.findall(r"@([A-Za-z0-9_.-]+)", rest))
            await self._run(Command(self._actor(), name.lower(), rest, mentions))
        else:
            await self._run(TextMessage(self._actor(), text))
        await self.jobs.send_queued()

    async def _run(self, incoming: Incoming) -> None:
        await pipeline.deliver(self.ctx, incoming, ConsoleRenderer(self.output, self.speaker))

    async def _click(self, number: int) -> None:
        entry = self.output.buttons.get(number)
        if entry is None:
            self.output.line(f"(there is no button [{number}])")
            return
        _, button = entry
        await self._run(ButtonClick(self._actor(), button.action, button.value))

    async def _meta(self, text: str) -> None:
        verb, _, arg = text[1:].partition(" ")
        arg = arg.strip()
        if verb == "as" and re.fullmatch(r"[A-Za-z0-9_.-]{1,40}", arg):
            self.speaker = arg.lower()
            await pipeline.meet(self.ctx, self._actor())
        elif verb == "time":
            try:
                target = datetime.strptime(arg, "%Y-%m-%d %H:%M").replace(tzinfo=self.tz)
            except ValueError:
                self.output.line("(use :time YYYY-MM-DD HH:MM)")
                return
            await self.advance_to(target)
        elif verb == "advance" and (m := _DURATION.match(arg)):
            amount, unit = int(m.group(1)), m.group(2)
            delta = {"d": timedelta(days=amount), "h": timedelta(hours=amount), "m": timedelta(minutes=amount)}[unit]
            await self.advance_to(self.clock.now() + delta)
        elif verb == "now":
            self.output.line(f"(it is {self.clock.now().astimezone(self.tz):%a %Y-%m-%d %H:%M} {self.tz.key})")
        else:
            self.output.line("(console commands: :as NAME, :time YYYY-MM-DD HH:MM, :advance 1d|3h|15m, :now)")

    async def advance_to(self, target: datetime) -> None:
        """Move the clock forward to `target`, running every job at the instant it falls due."""
        if target < self.clock.now():
            self.output.line("(time only moves forward here)")
            return
        while True:
            wake = await self.jobs.next_wakeup_after(self.clock.now())
            if wake is None or wake > target:
                break
            self.clock.set(wake)
            await self.jobs.run_due(wake)
            await self.jobs.send_queued()
        self.clock.set(target)
        await self.jobs.run_due(target)
        await self.jobs.send_queued()


def machine_zone() -> ZoneInfo:
    """The zone `TZ` names, else the machine's, else UTC."""
    import os
    from pathlib import Path

    candidates = [os.environ.get("TZ", "").lstrip(":")]
    timezone_file = Path("/etc/timezone")
    if timezone_file.exists():
        candidates.append(timezone_file.read_text().strip())
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        candidates.append(str(localtime.resolve()).split("zoneinfo/", 1)[-1])
    for name in candidates:
        if name:
            try:
                return ZoneInfo(name)
            except (ValueError, KeyError, OSError):
                continue
    return ZoneInfo("UTC")


def stdin() -> TextIO:
    return sys.stdin
