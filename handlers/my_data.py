"""The rep's data is the rep's: `/accountability export` sends them everything stored about them
as a JSON file in their own direct message, and `/accountability forget` deletes all of it
after they confirm (their manager hears only that they left).

The export's format ("follow-through-export", version 1) documents itself: its `sections`
entry says what each part holds. Times are ISO-8601 in UTC (`2026-11-23T15:30:00Z`), dates
are `YYYY-MM-DD`. People other than the rep appear by name only.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from handlers.buttons import ForgetAnswer, ForgetChoice, button
from handlers.contract.messages import Attachment, Message
from handlers.contract.outcomes import Result
from handlers.conversation_state import ask_to_forget, close_forget_question
from handlers.delivery import queue
from storage.models import ManagerLink, Person
from storage.repositories.my_data import PersonData
from storage.store import Tx

FORMAT = "follow-through-export"
VERSION = 1
MEDIA_TYPE = "application/json"
SECTIONS = {
    "person": (
        "Who you are to the bot: your platform ids, name, time zone, holiday calendar, pause, digest settings, "
        "and when your next check-in is due."
    ),
    "terms": "Every version of your answers to the two questions, oldest first (each change is a new version).",
    "commitments": "Everything you committed to, with every check-in: its period, when it was due, your answer and your note.",
    "manager_notices": "Everything your accountability partner was told about you, word for word.",
    "partners": "Who you named as your accountability partner, and what became of it.",
    "partner_of": "People who named you as their accountability partner (their names only).",
    "kudos_received": "Praise your partner sent you.",
    "coaching_sessions": "Coaching conversations about you and the actions agreed in them (commitment numbers).",
    "practice_requests": "Skills you were asked to practise, your answers and the feedback on them.",
    "follow_ups": "What your partner owed you after each escalation, and your verdict on it.",
    "self_coaching_offers": "Self-coaching prompts you were offered.",
}
EXPORT_ON_ITS_WAY = (
    "I'm putting together everything I've stored about you. It's on its way to our direct messages as a file "
    "(JSON, readable by people and programs alike)."
)
FORGET_QUESTION = (
    "Do you want me to forget you? I'll delete everything I've stored about you: your terms, commitments, "
    "check-ins and notes, and what your manager was told. Your manager will hear only that you left. "
    "This can't be undone. If you'd like a copy first, say `export`."
)
FORGOTTEN = (
    "Done. I've deleted everything I stored about you. Thank you for the time we worked together; "
    "if you ever write to me again, we'll start fresh."
)
NOT_ASKED = "There's no open question about forgetting you, so nothing changed. To be forgotten, say `forget`."
KEPT = "Cancelled. I've kept everything as it was."
LEFT_MANAGER = "{name} has left Follow-Through; they're no longer in your digest."
LEFT_REP = (
    "{name}, your accountability partner, has left Follow-Through, so nobody hears about your check-ins for now. "
    "If you'd like someone in their place, name them with `/accountability manager @name`."
)


async def export(tx: Tx, person: Person, now: datetime) -> Result:
    data = await tx.my_data.gather(person)
    name = f"follow-through-export-{now.astimezone(UTC).date().isoformat()}.json"
    content = json.dumps(document(data, now), ensure_ascii=False, indent=2)
    message = Message.text(
        f"Here is everything I've stored about you, as of {_when(now)} UTC. "
        "The file explains its own sections; nobody else got a copy."
    )
    await queue(tx, person, Message(message.sections, message.summary, Attachment(name, MEDIA_TYPE, content)), now)
    return Result().reply(EXPORT_ON_ITS_WAY)


def ask_forget(person: Person) -> Result:
    ask_to_forget(person)
    return Result().reply(
        FORGET_QUESTION,
        button("Confirm", ForgetAnswer(ForgetChoice.CONFIRM), "danger"),
        button("Cancel", ForgetAnswer(ForgetChoice.CANCEL)),
    )


async def on_forget_answer(tx: Tx, person: Person, answer: ForgetAnswer, now: datetime) -> Result:
    """Confirm or Cancel. Only the person who asked, while their question is open, can confirm;
    any other click (a stale button, someone else's) changes nothing."""
    if not close_forget_question(person):
        return Result().reply(NOT_ASKED)
    if answer.choice == ForgetChoice.CANCEL:
        return Result().reply(KEPT)
    link = await tx.links.active_for_rep(person.id)
    manager = await tx.people.get(link.manager_id) if link is not None else None
    reps = [rep for rep in await tx.people.reps_of(person.id) if rep.id != person.id]
    if manager is not None and manager.id != person.id:
        await queue(tx, manager, Message.text(LEFT_MANAGER.format(name=person.display_name)), now)
    for rep in reps:
        await queue(tx, rep, Message.text(LEFT_REP.format(name=person.display_name)), now)
    await tx.my_data.forget(person)
    return Result().reply(FORGOTTEN)


def document(data: PersonData, now: datetime) -> dict[str, Any]:
    """The export, as plain JSON values."""
    person, names = data.person, data.names
    seq = {c.id: c.seq for c in data.commitments}
    checkins: dict[int, list[dict[str, Any]]] = {}
    for checkin in data.checkins:
        checkins.setdefault(checkin.commitment_id, []).append({
            "period": checkin.period, "due_at": _iso(checkin.due_at), "closes_at": _iso(checkin.closes_at),
            "answer": str(checkin.status), "answered_at": _iso(checkin.answered_at),
            "settled_at": _iso(checkin.settled_at), "note": checkin.note, "recovered": checkin.recovered,
        })
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": _iso(now),
        "sections": SECTIONS,
        "person": {
            "id": person.id, "platform": person.platform, "workspace_id": person.workspace_id,
            "user_id": person.user_id, "name": person.display_name, "time_zone": person.tz,
            "time_zone_chosen": person.tz_chosen, "holiday_calendar": _calendar(person),
            "paused_until": _day(person.paused_until), "first_contact_at": _iso(person.created_at),
            "digest": {
                "weekday": person.digest_weekday, "time": person.digest_time, "enabled": person.digest_enabled,
                "next_at": _iso(person.digest_next_at),
            },
            "next_checkin_at": _iso(person.next_checkin_at), "reachable": person.reachable,
        },
        "terms": [
            {
                "version": t.version, "created_at": _iso(t.created_at), "checkin_days": t.checkin_days,
                "checkin_time": t.checkin_time, "tone": t.tone, "reflect_on_miss": t.reflect_on_miss,
                "reflection": t.reflection, "nudge_later": t.nudge_later, "tell_manager_after_misses": t.escalate_after,
                "no_answer_is_miss": t.no_answer_is_miss, "share_streak_every": t.share_streak_every,
                "share_oneoff_wins": t.share_oneoff_wins, "share_reflections": t.share_reflections,
                "kudos_channel": t.kudos_channel, "support_words": t.support_words, "followup_words": t.followup_words,
            }
            for t in data.terms
        ],
        "commitments": [
            {
                "number": c.seq, "text": c.text, "title": c.title, "cadence": c.cadence, "due_date": _day(c.due_date),
                "status": str(c.status), "created_at": _iso(c.created_at), "updated_at": _iso(c.updated_at),
                "proposed_by": names.get(c.proposed_by_id) if c.proposed_by_id is not None else None,
                "checkins": checkins.get(c.id, []),
            }
            for c in data.commitments
        ],
        "manager_notices": [
            {
                "told": names.get(n.manager_id), "kind": str(n.kind), "text": n.text, "created_at": _iso(n.created_at),
                "commitment": seq.get(n.commitment_id) if n.commitment_id is not None else None,
            }
            for n in data.notices
        ],
        "partners": [_link(link, names.get(link.manager_id)) for link in data.links_as_rep],
        "partner_of": [_link(link, names.get(link.rep_id)) for link in data.links_as_manager],
        "kudos_received": [
            {"from": names.get(k.manager_id), "note": k.note, "posted_in": k.channel, "created_at": _iso(k.created_at)}
            for k in data.kudos
        ],
        "coaching_sessions": [
            {
                "with": names.get(s.manager_id), "topic": s.topic, "evidence": s.evidence, "buyer_view": s.buyer_view,
                "loss_reasons": s.loss_reasons, "your_plan": s.rep_plan, "created_at": _iso(s.created_at),
                "actions": [c.seq for c in data.commitments if c.session_id == s.id],
            }
            for s in data.sessions
        ],
        "practice_requests": [
            {
                "from": names.get(p.manager_id), "skill": p.skill, "status": str(p.status), "created_at": _iso(p.created_at),
                "response_text": p.response_text, "response_file": p.response_file_name,
                "responded_at": _iso(p.responded_at), "rating": p.rating, "feedback": p.feedback_note,
                "feedback_at": _iso(p.feedback_at),
            }
            for p in data.practice
        ],
        "follow_ups": [
            {
                "by": names.get(f.manager_id), "created_at": _iso(f.created_at), "due_at": _iso(f.due_at),
                "action": _str(f.action), "acted_at": _iso(f.acted_at), "reminded_at": _iso(f.reminded_at),
                "verdict": _str(f.verdict), "verdict_at": _iso(f.verdict_at),
            }
            for f in data.follow_ups
        ],
        "self_coaching_offers": [
            {
                "prompt": o.prompt_key, "offered_at": _iso(o.offered_at),
                "commitment": seq.get(o.commitment_id) if o.commitment_id is not None else None,
            }
            for o in data.self_coaching
        ],
    }


def _link(link: ManagerLink, name: str | None) -> dict[str, Any]:
    return {
        "name": name, "status": str(link.status), "created_at": _iso(link.created_at),
        "responded_at": _iso(link.responded_at),
    }


def _calendar(person: Person) -> dict[str, str | None] | None:
    if person.holiday_country is None:
        return None
    return {"country": person.holiday_country, "region": person.holiday_region}


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def _day(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _str(value: object | None) -> str | None:
    return str(value) if value is not None else None

