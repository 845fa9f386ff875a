"""Kudos: a manager praises a rep in one click ("Send kudos" on a win, or in the digest), with
an optional note, or with `/accountability kudos @rep NOTE`. The rep gets it in their DM and,
if their terms name a team channel for kudos, it is posted there too (nothing else ever is).

Only the rep's active accountability partner can send them kudos; a win gets at most one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from handlers.buttons import SendKudos, read_id
from handlers.contract.messages import Address, Field, Form, FormValue, Message
from handlers.contract.outcomes import OpenForm, Result
from handlers.current_terms import current_spec
from handlers.delivery import queue
from handlers.rules.terms_text import channel_label
from storage.coaching_models import Kudos
from storage.models import Notice, Person
from storage.states import NoticeKind
from storage.store import Tx

FORM_PREFIX = "kudos:"
NOTE_LIMIT = 500
NOT_YOURS = (
    "That kudos button isn't yours: only the rep's accountability partner can send them kudos. Nothing was sent."
)
_STREAK = re.compile(r"(\d+) check-ins in a row")


@dataclass(frozen=True)
class _Target:
    rep: Person
    notice: Notice | None
    reason: str
    """What the kudos is for, as the rep reads it after "for" ("" when it is for nothing in particular)."""


def form_id(clicked: SendKudos) -> str:
    """The form's id carries the rep and the win, so the submit knows what it answers."""
    return f"{FORM_PREFIX}{clicked.rep_id}:{clicked.notice_id or 0}"


def read_form_id(raw: str) -> SendKudos | None:
    rep, _, notice = raw.removeprefix(FORM_PREFIX).partition(":")
    rep_id, notice_id = read_id(rep), read_id(notice)
    if not raw.startswith(FORM_PREFIX) or rep_id is None or notice_id is None:
        return None
    return SendKudos(rep_id, notice_id or None)


async def _reason(tx: Tx, notice: Notice, you: bool) -> str:
    commitment = await tx.commitments.get(notice.commitment_id) if notice.commitment_id is not None else None
    if commitment is None:
        return "a win"
    streak = _STREAK.search(notice.text)
    if streak:
        return f"keeping “{commitment.title}” {streak.group(1)} check-ins in a row"
    return f"keeping {'your' if you else 'a'} promise: “{commitment.title}”"


async def _target(tx: Tx, manager: Person, clicked: SendKudos) -> _Target | str:
    """The rep and win a kudos click names, or why this person can't send it."""
    rep = await tx.people.get(clicked.rep_id)
    link = await tx.links.active_for_rep(rep.id) if rep is not None else None
    if rep is None or link is None or link.manager_id != manager.id:
        return NOT_YOURS
    notice = None
    if clicked.notice_id is not None:
        notice = await tx.kudos.notice(clicked.notice_id)
        if notice is None or notice.rep_id != rep.id or notice.kind != NoticeKind.WIN:
            return "I couldn't find that win any more. Nothing was sent."
        if await tx.kudos.for_notice(notice.id) is not None:
            return f"You already sent {rep.display_name} kudos for this win. Nothing new was sent."
    reason = await _reason(tx, notice, you=True) if notice is not None else ""
    return _Target(rep, notice, reason)


def _form(clicked: SendKudos, target: _Target) -> OpenForm:
    what = f" for {target.reason}" if target.reason else ""
    return OpenForm(Form(
        form_id=form_id(clicked),
        title="Send kudos",
        intro=f"Kudos to {target.rep.display_name}{what}. A note is optional; it goes with them.",
        submit_label="Send kudos",
        fields=(Field("note", "Your note (optional)", "text", optional=True, multiline=True, max_length=NOTE_LIMIT,
                      hint="e.g. Great week, and the Acme follow-up was spot on."),),
    ))


async def on_click(tx: Tx, manager: Person, clicked: SendKudos, now: datetime, *, forms: bool) -> Result:
    """"Send kudos": where forms exist, the note form opens; elsewhere the kudos goes at once."""
    target = await _target(tx, manager, clicked)
    if isinstance(target, str):
        return Result().reply(target)
    if forms:
        return Result().add(_form(clicked, target))
    return await _send(tx, manager, target, None, now)


async def on_submit(tx: Tx, manager: Person, raw_form_id: str, values: dict[str, FormValue], now: datetime) -> Result:
    clicked = read_form_id(raw_form_id)
    if clicked is None:
        return Result().reply("That kudos form is from an older version of me; nothing was sent. Please click Send kudos again.")
    target = await _target(tx, manager, clicked)
    if isinstance(target, str):
        return Result().reply(target)
    raw = values.get("note", "")
    note = (raw if isinstance(raw, str) else " ".join(raw)).strip()[:NOTE_LIMIT]
    return await _send(tx, manager, target, note or None, now)


async def command(tx: Tx, manager: Person, mentions: tuple[Address, ...], text: str, now: datetime) -> Result:
    """`/accountability kudos @rep NOTE`: kudos for no win in particular."""
    if mentions:
        named = mentions[0]
        rep = await tx.people.find(named.platform, named.workspace_id, named.user_id)
    else:
        rep = await _rep_named(tx, manager, text)
        if rep is None:
            return Result().reply("Who for? Name them, like `/accountability kudos @mona Great week!`.")
    if rep is None:
        return Result().reply("Only someone who named you as their accountability partner can get kudos from me. Nothing was sent.")
    note = _without_mention(text, rep.display_name)
    target = await _target(tx, manager, SendKudos(rep.id))
    if isinstance(target, str):
        return Result().reply(
            f"Only {rep.display_name}'s accountability partner can send them kudos. Nothing was sent."
            if target == NOT_YOURS else target
        )
    return await _send(tx, manager, target, note or None, now)


async def _rep_named(tx: Tx, manager: Person, text: str) -> Person | None:
    """One of the manager's own reps, named by `@name` at the start of a typed command where the
    platform resolved no mention (a typed line in the console)."""
    typed = re.match(r"\s*@([\w.-]+)", text)
    if typed is None:
        return None
    name = typed.group(1).lower()
    reps = await tx.people.reps_of(manager.id)
    return next((r for r in reps if name in (r.user_id.lower(), r.display_name.lower(), r.display_name.split(" ")[0].lower())), None)


def _without_mention(text: str, name: str) -> str:
    """The note after the mention that leads it, however the platform wrote the mention
    (`<@U1|mona>`, `<at>Mona Berg</at>`, `@Mona Berg`, `@mona`)."""
    pattern = rf"^\s*(<@[^>]*>|<at>[^<]*</at>|@?{re.escape(name)}\b|@\S+)[\s,:-]*"
    return re.sub(pattern, "", text, count=1, flags=re.IGNORECASE).strip()[:NOTE_LIMIT]


async def _send(tx: Tx, manager: Person, target: _Target, note: str | None, now: datetime) -> Result:
    rep, notice = target.rep, target.notice
    said = f": “{note}”" if note else "!"
    what = f" for {target.reason}" if target.reason else ""
    once = f"kudos:{notice.id}" if notice is not None else None
    if not await queue(tx, rep, Message.text(f"🎉 {manager.display_name} sent you kudos{what}{said}"), now, once=once):
        return Result().reply(f"You already sent {rep.display_name} kudos for this win. Nothing new was sent.")
    spec, _ = await current_spec(tx, rep)
    channel = spec.kudos_channel
    if channel:
        public = f" for {await _reason(tx, notice, you=False)}" if notice is not None else ""
        await queue(
            tx, rep, Message.text(f"🎉 {manager.display_name} sent {rep.display_name} kudos{public}{said}"), now,
            channel=channel, once=f"{once}:channel" if once else None,
        )
    await tx.kudos.add(Kudos(
        rep_id=rep.id, manager_id=manager.id, notice_id=notice.id if notice else None, note=note, channel=channel, created_at=now,
    ))
    where = f", and I posted it in {channel_label(channel)}, as {rep.display_name} chose" if channel else ""
    return Result().reply(f"Sent! {rep.display_name} gets your kudos in a direct message{where}.")

