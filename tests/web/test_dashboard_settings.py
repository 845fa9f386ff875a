"""SESSION_SECRET and DASHBOARD_URL: placeholder and short secrets are refused when the app
starts, with a message that says how to make a good one; the dashboard's URL defaults to the
local port."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from settings import Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("secret", "says"),
    [
        ("changeme", "placeholder"),
        ("secret", "placeholder"),
        ("changeme-changeme-changeme-changeme", "placeholder"),
        ("x" * 40, "placeholder"),
        ("Tq7-short-but-real", "at least 32"),
    ],
)
def test_weak_session_secrets_are_refused(secret: str, says: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(session_secret=secret)
    assert says in str(refused.value) and "secrets.token_urlsafe(32)" in str(refused.value)


def test_a_good_secret_and_the_default_url() -> None:
    settings = Settings(session_secret="Zq8Lm2Xv7Pw4Nc9Rt1Yb6Hs3Kd5Fg0Ja", port=8080)
    assert settings.session_secret == "Zq8Lm2Xv7Pw4Nc9Rt1Yb6Hs3Kd5Fg0Ja"
    assert settings.dashboard_base == "http://localhost:8080"
    assert Settings(dashboard_url="https://ft.example.com/").dashboard_base == "https://ft.example.com"
    assert Settings(session_secret="").session_secret is None


def test_serve_refuses_to_start_with_a_placeholder_secret(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/x.db", "SESSION_SECRET": "changeme"}
    done = subprocess.run([sys.executable, "app.py", "serve"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "session_secret" in done.stderr and "placeholder" in done.stderr
    assert not (tmp_path / "x.db").exists(), "nothing started"
