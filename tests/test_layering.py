"""The shape of the code (DESIGN.md section 2), enforced on every module's imports:

- `handlers/` (the core) imports no `bot`, `scheduler` or `app`, no chat SDK, no scheduler
  library, no web framework and no SQL toolkit: it reaches the database only through `storage`.
- `storage/` imports no `handlers`, `bot`, `scheduler` or `app`.
- `bot/<platform>/` imports its own SDK and the core, never another platform, `storage`,
  `scheduler` or `app`.
- `scheduler/` imports no `bot` or `app`; only `app.py` wires everything together.
- `ops/` (health and metrics, wired by `app.py`) imports no `bot`, `scheduler` or `app` and no
  chat SDK; only `ops/` imports the metrics library (the rest reports through the `Metrics` port).
- `web/` (the dashboard, a front like a platform) imports aiohttp, jinja2 and, of the core, only
  `handlers.contract`, `handlers.pipeline`, `handlers.context` and `handlers.dashboard_*`; never
  `storage`, `bot`, `scheduler`, `ops` or `app`. Nothing but `app.py` imports `web`.
- No module is longer than 300 lines.

The rules are checked on the source (every `import`, also inside functions) and, for the
core, on what importing it actually loads.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("handlers", "storage", "bot", "scheduler", "ops", "web")
PLATFORM_SDKS = {
    "slack": frozenset({"slack_bolt", "slack_sdk"}),
    "teams": frozenset({"botbuilder", "botframework", "msrest"}),
    "console": frozenset(),
}
ALL_SDKS = frozenset().union(*PLATFORM_SDKS.values())
WEB = frozenset({"aiohttp"})
SCHEDULING = frozenset({"apscheduler"})
SQL = frozenset({"sqlalchemy", "aiosqlite", "asyncpg", "alembic"})
METRICS = frozenset({"prometheus_client"})
MAX_LINES = 300

FORBIDDEN: dict[str, frozenset[str]] = {
    "handlers": frozenset({"bot", "scheduler", "app", "ops"}) | ALL_SDKS | WEB | SCHEDULING | SQL | METRICS,
    "storage": frozenset({"handlers", "bot", "scheduler", "app", "ops", "botbuilder", "slack_bolt", "apscheduler", "aiohttp"}) | METRICS,
    "scheduler": frozenset({"bot", "app", "ops"}) | ALL_SDKS | WEB | METRICS,
    "bot": (frozenset({"storage", "scheduler", "app", "ops", "apscheduler"}) | SQL | METRICS) - {"sqlalchemy"},
    "ops": frozenset({"bot", "scheduler", "app", "apscheduler"}) | ALL_SDKS,
}
"""Top-level names each package must not import. (Slack's OAuth stores are slack-sdk's own
SQLAlchemy classes, so `bot/slack` may name SQLAlchemy's engine type, never our storage.)"""
FORBIDDEN["web"] = frozenset({"storage", "bot", "scheduler", "app", "ops", "settings", "apscheduler"}) | ALL_SDKS | SQL | METRICS
for _package in ("handlers", "storage", "bot", "scheduler", "ops"):
    FORBIDDEN[_package] |= {"web"}
WEB_MAY_USE = ("handlers.contract", "handlers.pipeline", "handlers.context", "handlers.dashboard_")
"""The only parts of the core the dashboard's front may import (module name prefixes)."""


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path) -> set[str]:
    """Every absolute module an `import` or `from ... import` names, wherever it appears."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def top_levels(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


def violations(path: Path) -> list[str]:
    """What `path` imports that its place in the tree forbids."""
    relative = path.relative_to(ROOT)
    package = relative.parts[0]
    modules = imported_modules(path)
    found = sorted(top_levels(modules) & FORBIDDEN.get(package, frozenset()))
    if package == "bot" and len(relative.parts) > 2:
        platform = relative.parts[1]
        others = ALL_SDKS - PLATFORM_SDKS[platform]
        found += sorted(top_levels(modules) & others)
        found += sorted(m for m in modules if m.startswith("bot.") and m.split(".")[1] in PLATFORM_SDKS and m.split(".")[1] != platform)
    if package == "web":
        found += sorted(m for m in modules if m.split(".")[0] == "handlers" and not m.startswith(WEB_MAY_USE))
    return found


def source_files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


ALL_FILES = [p for package in PACKAGES for p in source_files(package)] + [ROOT / "app.py", ROOT / "oneshot.py", ROOT / "cli.py", ROOT / "logs.py", ROOT / "settings.py"]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param("import slack_sdk", {"slack_sdk"}, id="import"),
        pytest.param("import slack_sdk.web.async_client as c", {"slack_sdk.web.async_client"}, id="import_dotted_as"),
        pytest.param("from botbuilder.core import TurnContext", {"botbuilder.core"}, id="from_dotted"),
        pytest.param("def f():\n    from apscheduler import events\n", {"apscheduler"}, id="inside_function"),
        pytest.param("from . import x\nfrom .y import z", set(), id="relative_ignored"),
    ],
)
def test_import_scanner_sees_every_form(tmp_path: Path, source: str, expected: set[str]) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(source, encoding="utf-8")
    assert imported_modules(sample) == expected


@pytest.mark.parametrize(
    ("relative", "source", "expected"),
    [
        pytest.param("handlers/x.py", "from bot.slack import blocks", ["bot"], id="core_imports_a_platform"),
        pytest.param("handlers/x.py", "from sqlalchemy import select", ["sqlalchemy"], id="core_writes_sql"),
        pytest.param("handlers/x.py", "import aiohttp", ["aiohttp"], id="core_imports_a_web_framework"),
        pytest.param("storage/x.py", "from handlers.contract.messages import Message", ["handlers"], id="storage_imports_the_core"),
        pytest.param("bot/slack/x.py", "from storage.store import Store", ["storage"], id="platform_imports_storage"),
        pytest.param("bot/slack/x.py", "from botbuilder.core import TurnContext", ["botbuilder"], id="slack_imports_teams_sdk"),
        pytest.param("bot/teams/x.py", "from bot.slack.blocks import blocks", ["bot.slack.blocks"], id="teams_imports_slack"),
        pytest.param("bot/console/x.py", "from scheduler.jobs import run_due", ["scheduler"], id="console_runs_jobs_itself"),
        pytest.param("scheduler/x.py", "from bot.slack import adapter", ["bot"], id="scheduler_imports_a_platform"),
        pytest.param("handlers/x.py", "import prometheus_client", ["prometheus_client"], id="core_imports_the_metrics_library"),
        pytest.param("ops/x.py", "from bot.slack import platform", ["bot"], id="ops_imports_a_platform"),
        pytest.param("bot/teams/x.py", "from botbuilder.core import TurnContext\nfrom handlers import pipeline", [], id="allowed"),
        pytest.param("web/x.py", "from storage.store import Store", ["storage"], id="web_reaches_storage"),
        pytest.param("web/x.py", "from handlers.commitments import commit", ["handlers.commitments"], id="web_uses_core_beyond_its_pages"),
        pytest.param("web/x.py", "from handlers import router", ["handlers"], id="web_imports_the_core_whole"),
        pytest.param("handlers/x.py", "import web", ["web"], id="core_imports_the_dashboard"),
        pytest.param("web/x.py", "import aiohttp_jinja2\nfrom aiohttp import web\nfrom handlers.dashboard_rep import rep_view", [], id="web_allowed"),
    ],
)
def test_the_rules_catch_each_kind_of_breach(tmp_path: Path, relative: str, source: str, expected: list[str]) -> None:
    fake_root = tmp_path
    path = fake_root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")
    global ROOT
    saved, ROOT = ROOT, fake_root
    try:
        assert violations(path) == expected
    finally:
        ROOT = saved


def test_there_are_modules_to_check() -> None:
    names = {str(p.relative_to(ROOT)) for p in ALL_FILES}
    assert {"handlers/router.py", "handlers/pipeline.py", "handlers/contract/outcomes.py", "handlers/rules/due_times.py",
            "storage/store.py", "bot/slack/listeners.py", "bot/teams/bot.py", "bot/console/adapter.py"} <= names


@pytest.mark.parametrize("path", [pytest.param(p, id=str(p.relative_to(ROOT))) for p in ALL_FILES])
def test_imports_follow_the_layers(path: Path) -> None:
    assert violations(path) == []


@pytest.mark.parametrize("path", [pytest.param(p, id=str(p.relative_to(ROOT))) for p in ALL_FILES])
def test_module_is_small(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES


def test_nothing_but_the_composition_root_imports_app() -> None:
    importers = [str(p.relative_to(ROOT)) for p in ALL_FILES if "app" in top_levels(imported_modules(p)) and p.name != "app.py"]
    assert importers == []


def test_importing_the_core_loads_no_sdk_web_framework_or_scheduler() -> None:
    modules = [module_name(p) for p in source_files("handlers")]
    banned = sorted(ALL_SDKS | WEB | SCHEDULING | METRICS)
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({banned!r})))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
