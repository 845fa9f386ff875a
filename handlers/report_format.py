"""The leader report written out: a Markdown table for people, CSV for spreadsheets, JSON for
other tools. The same figures in each; nothing is computed here.

CSV is opened by spreadsheets, which run a cell that starts like a formula: a text cell (a
name, a user id) that starts with one of `FORMULA_STARTS` gets a leading `'` (OWASP "CSV
injection"), so `=HYPERLINK(...)` is shown as text. Numbers, negative ones too, stay numbers."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from handlers.report import MONTH_DAYS, Figures, LeaderReport

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

COLUMNS: tuple[tuple[str, str], ...] = (
    ("manager", "Manager"),
    ("user_id", "User id"),
    ("reps", "Reps"),
    ("follow_through_pct", "Follow-through %"),
    ("previous_follow_through_pct", "Previous period %"),
    ("trend_points", "Trend (points)"),
    ("escalations", "Escalations"),
    ("followed_up_in_3_working_days", "Followed up in 3 working days"),
    ("followed_up_pct", "Followed up %"),
    ("follow_ups_missed", "Follow-ups missed"),
    ("rep_said_as_asked_pct", "Rep said 'as I asked' %"),
    ("sessions", "Coaching sessions"),
    ("sessions_per_rep_per_month", "Sessions per rep per month"),
    ("session_actions", "Actions agreed in sessions"),
    ("session_action_follow_through_pct", "Action follow-through %"),
    ("practice_requests", "Practice requests"),
    ("practice_answered", "Practice answered"),
    ("feedback_given", "Feedback given"),
    ("feedback_turnaround_hours", "Mean feedback turnaround (h)"),
    ("kudos_sent", "Kudos sent"),
    ("coaching_cadence", "Coaching cadence"),
)


def row(figures: Figures) -> dict[str, Any]:
    c = figures.counts
    return {
        "manager": figures.name,
        "user_id": figures.user_id,
        "reps": c.reps,
        "follow_through_pct": figures.follow_through,
        "previous_follow_through_pct": figures.previous_follow_through,
        "trend_points": figures.trend,
        "escalations": c.escalations,
        "followed_up_in_3_working_days": c.followed_in_time,
        "followed_up_pct": figures.followed_up_share,
        "follow_ups_missed": c.missed,
        "rep_said_as_asked_pct": figures.as_asked_share,
        "sessions": c.sessions,
        "sessions_per_rep_per_month": figures.sessions_per_rep_month,
        "session_actions": c.actions,
        "session_action_follow_through_pct": figures.action_follow_through,
        "practice_requests": c.practice_requests,
        "practice_answered": c.practice_answered,
        "feedback_given": c.feedback_given,
        "feedback_turnaround_hours": figures.feedback_hours,
        "kudos_sent": c.kudos,
        "coaching_cadence": figures.cadence.value if figures.cadence else None,
    }


def as_json(report: LeaderReport) -> str:
    return json.dumps(
        {
            "since": report.since.isoformat(),
            "until": report.until.isoformat(),
            "previous_since": report.previous_since.isoformat(),
            "managers": [row(f) for f in report.managers],
            "all_teams": row(report.all_teams),
        },
        indent=2, ensure_ascii=False,
    )


def spreadsheet_cell(value: Any) -> Any:
    """A value as a CSV cell that a spreadsheet shows and never runs: None is empty, a number
    stays a number, text that starts like a formula gets a leading `'`."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def as_csv(report: LeaderReport) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[key for key, _ in COLUMNS], lineterminator="\n")
    writer.writeheader()
    for figures in [*report.managers, report.all_teams]:
        writer.writerow({key: spreadsheet_cell(value) for key, value in row(figures).items()})
    return out.getvalue()


def _cell(value: Any) -> str:
    return "–" if value is None else str(value).replace("|", "\\|")


def as_markdown(report: LeaderReport) -> str:
    lines = [
        f"# Coaching follow-through, {report.since:%Y-%m-%d} to {report.until:%Y-%m-%d %H:%M} UTC",
        "",
        f"Trend: compared with {report.previous_since:%Y-%m-%d} to {report.since:%Y-%m-%d} (the same length before).",
        "",
        "| " + " | ".join(title for _, title in COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
    ]
    for figures in [*report.managers, report.all_teams]:
        values = row(figures)
        lines.append("| " + " | ".join(_cell(values[key]) for key, _ in COLUMNS) + " |")
    if not report.managers:
        lines += ["", "No manager has a team yet."]
    lines += [
        "",
        "Follow-through: check-ins kept of those that came due in the period (void ones left out; "
        "one left unanswered counts as not kept). "
        "Followed up: the manager said “I'll follow up” or logged a coaching session within three working days "
        "of their own calendar; missed: not within them. "
        f"Sessions per rep per month: per {MONTH_DAYS} days. "
        "Cadence: random = no sessions; informal = sessions, not yet regular or not followed up; "
        "formal = every rep coached at least monthly, agreed actions followed up, no follow-up missed.",
    ]
    return "\n".join(lines) + "\n"


def render(report: LeaderReport, fmt: str) -> str:
    if fmt == "json":
        return as_json(report) + "\n"
    if fmt == "csv":
        return as_csv(report)
    return as_markdown(report)
