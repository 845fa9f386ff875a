"""The type checker is part of the contract: a handler result's outcome types are matched
exhaustively in `handlers.pipeline.render`, so adding an outcome that some platform does not
render fails here, as does any other type error in the application code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECKED = ["handlers", "storage", "scheduler", "bot", "ops", "web", "app.py", "oneshot.py", "cli.py", "logs.py", "settings.py"]


def test_mypy_is_clean(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache"), *CHECKED],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Success: no issues found" in proc.stdout
