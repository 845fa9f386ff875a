"""Layering rules (DESIGN.md section 2): `handlers/` and the neutral parts of `bot/`
(`bot/messages.py`, `bot/ports.py`) never import a chat platform SDK or the
scheduler library, neither directly in their source nor transitively at import time."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = frozenset({"slack_bolt", "slack_sdk", "botbuilder", "apscheduler"})

HANDLER_FILES = sorted((ROOT / "handlers").rglob("*.py"))
NEUTRAL_BOT_FILES: list[Path] = []


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_top_levels(path: Path) -> set[str]:
    """Top-level package names of every absolute import in the file (`import x.y`,
    `import x as z`, `from x.y import z`), wherever it appears (also inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param("import slack_sdk", {"slack_sdk"}, id="import"),
        pytest.param("import slack_sdk.web.async_client as c", {"slack_sdk"}, id="import_dotted_as"),
        pytest.param("from botbuilder.core import TurnContext", {"botbuilder"}, id="from_dotted"),
        pytest.param("def f():\n    from apscheduler import events\n", {"apscheduler"}, id="inside_function"),
        pytest.param("from . import x\nfrom .y import z", set(), id="relative_ignored"),
    ],
)
def test_import_scanner_sees_every_form(tmp_path: Path, source: str, expected: set[str]) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(source, encoding="utf-8")
    assert imported_top_levels(sample) == expected


def test_there_are_handler_modules_to_check() -> None:
    names = {p.name for p in HANDLER_FILES}
    assert {"__init__.py", "router.py", "due_times.py", "runs.py"} <= names


@pytest.mark.parametrize(
    "path",
    [pytest.param(p, id=str(p.relative_to(ROOT))) for p in HANDLER_FILES + NEUTRAL_BOT_FILES],
)
def test_source_imports_no_platform_sdk(path: Path) -> None:
    assert imported_top_levels(path) & FORBIDDEN == set()


@pytest.mark.parametrize(
    "modules",
    [
        pytest.param([module_name(p) for p in HANDLER_FILES], id="all_handlers"),
        pytest.param(["handlers.contract.messages", "handlers.contract.ports"], id="bot_messages_and_ports"),
    ],
)
def test_importing_loads_no_platform_sdk(modules: list[str]) -> None:
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + f"print(sorted(m for m in sys.modules if m.split('.')[0] in {sorted(FORBIDDEN)!r}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
