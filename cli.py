"""The command line an operator sees: `python app.py --help` and each command's `--help`,
with what each command does and an example. `app.py` runs what the parsed arguments say."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

DESCRIPTION = """\
Follow-Through: an accountability bot for sales teams, in Slack, Microsoft Teams and a terminal.
Reps set their own terms, log commitments and answer Yes / No check-ins in their own time zone;
managers hear only the exceptions the rep chose, plus a weekly digest.

Settings come from the environment or a .env file (DATABASE_URL, SLACK_*, MICROSOFT_APP_*, PORT,
LOG_FORMAT=json for JSON log lines, METRICS_TOKEN, SESSION_SECRET and DASHBOARD_URL for the web dashboard;
see README.md, "Configuration"). Every command except teams-package first brings the database
to the newest schema."""

EPILOG = """\
examples:
  python app.py console                            try it in the terminal, no tokens needed
  SLACK_BOT_TOKEN=xoxb-... SLACK_SIGNING_SECRET=... python app.py serve
  python app.py tick --at 2026-11-23T16:00:00Z     run the scheduler once, as if at that instant
  python app.py report --since 2026-11-01 --format csv > coaching.csv   the leader report
run 'python app.py COMMAND --help' for a command's own options."""


def _instant(raw: str) -> datetime:
    value = datetime.fromisoformat(raw)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _local(raw: str) -> datetime:
    return datetime.fromisoformat(raw)


def _command(verbs: argparse._SubParsersAction[argparse.ArgumentParser], name: str, summary: str, details: str) -> argparse.ArgumentParser:
    return verbs.add_parser(
        name, help=summary, description=f"{summary}.\n\n{details}", formatter_class=argparse.RawDescriptionHelpFormatter
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="follow-through", description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="COMMAND")
    console = _command(verbs, "console", "chat with the bot in the terminal (no tokens; SQLite by default)", (
        "Type messages and /commands; buttons are numbered, type the number to click one.\n"
        ":as NAME switches who is typing, :time YYYY-MM-DD HH:MM and :advance 1d|3h|15m move a\n"
        "simulated clock and run whatever falls due; Ctrl-D exits. People live in the zone TZ names.\n\n"
        "example:\n  TZ=Europe/Berlin python app.py console --start '2026-11-23 08:00' < tests/scenarios/week.txt"
    ))
    console.add_argument("--start", type=_local, metavar="'YYYY-MM-DD HH:MM'",
                         help="start the simulated clock here, in local time (default: now)")
    console.add_argument("--echo", action=argparse.BooleanOptionalAction, default=None,
                         help="print each input line (default: on when input is not a terminal)")
    serve = _command(verbs, "serve", "run the HTTP server for Slack and Teams, with the scheduler", (
        "Serves POST /slack/events (Slack over HTTP), POST /api/messages (Teams), /slack/install and\n"
        "/slack/oauth_redirect (when SLACK_CLIENT_ID is set), GET /healthz (alive), GET /readyz (database,\n"
        "migrations, scheduler and outbox fine: 200, else 503 naming what is wrong) and GET /metrics\n"
        "(Prometheus text; only with METRICS_TOKEN set, as 'Authorization: Bearer ...') on PORT (default 3000).\n"
        "With SESSION_SECRET set (32+ characters), the web dashboard too, under /app/ (sign in from the chat\n"
        "with /accountability dashboard; links point at DASHBOARD_URL, default http://localhost:PORT).\n"
        "Check-ins, digests and the outbox run in the same process unless --no-scheduler.\n\n"
        "example:\n  SLACK_BOT_TOKEN=xoxb-... SLACK_SIGNING_SECRET=... PORT=8080 python app.py serve"
    ))
    serve.add_argument("--no-scheduler", action="store_true", help="serve requests only; run the scheduler elsewhere")
    socket = _command(verbs, "socket", "connect to Slack over Socket Mode (no public URL), with the scheduler", (
        "Needs SLACK_APP_TOKEN (xapp-..., with connections:write) and SLACK_BOT_TOKEN.\n\n"
        "example:\n  SLACK_BOT_TOKEN=xoxb-... SLACK_APP_TOKEN=xapp-... python app.py socket"
    ))
    socket.add_argument("--no-scheduler", action="store_true", help="answer Slack only; run the scheduler elsewhere")
    package = _command(verbs, "teams-package", "build the Teams app package (a zip to upload in Teams)", (
        "Needs MICROSOFT_APP_ID. See docs/teams.md.\n\n"
        "example:\n  MICROSOFT_APP_ID=... python app.py teams-package --out follow-through-teams.zip"
    ))
    package.add_argument("--out", default="follow-through-teams.zip", help="where to write the zip (default: %(default)s)")
    tick = _command(verbs, "tick", "run one scheduler pass and send what it queued, then exit", (
        "Closes ended days, opens due check-ins, queues due digests and sends them through every\n"
        "configured platform (retrying 429 and 5xx). Safe to repeat: a second run for the same\n"
        "instant sends nothing. Useful from cron, for catching up after downtime, and in tests.\n\n"
        "example:\n  python app.py tick --at 2026-11-23T16:00:00Z"
    ))
    tick.add_argument("--at", type=_instant, metavar="ISO-8601", help="run as if at this instant (UTC if no offset; default: now)")
    _command(verbs, "migrate", "bring the database to the newest schema and exit", (
        "serve, socket, console and tick do this at start-up too.\n\n"
        "example:\n  DATABASE_URL=postgresql+asyncpg://bot@db/followthrough python app.py migrate"
    ))
    report = _command(verbs, "report", "print the coaching report for sales leaders", (
        "Per manager and across all teams: the team's follow-through rate and its trend (this\n"
        "period against the one of the same length before it), escalations and the share followed\n"
        "up within three working days, coaching sessions per rep per month, the actions agreed in\n"
        "sessions and their follow-through, practice requests and the mean hours from a rep's answer\n"
        "to the manager's feedback, kudos sent, and a coaching-cadence label (random, informal,\n"
        "formal) from those facts. Read-only.\n\n"
        "examples:\n  python app.py report\n"
        "  python app.py report --since 2026-11-01 --team 'Dana Lee' --format markdown\n"
        "  python app.py report --format json > report.json"
    ))
    report.add_argument("--since", type=_instant, metavar="DATE",
                        help="start of the period (YYYY-MM-DD is midnight UTC; default: 28 days before --until)")
    report.add_argument("--until", type=_instant, metavar="ISO-8601",
                        help="end of the period (UTC if no offset; default: now)")
    report.add_argument("--team", metavar="MANAGER", help="only this manager's team: their display name or user id")
    report.add_argument("--format", choices=("markdown", "csv", "json"), default="markdown",
                        help="output format (default: %(default)s)")
    return parser
