"""`LOG_FORMAT=json`: every line the app writes to its log is one JSON object (time, level,
logger, message, and workspace / action / latency_ms / error_id where known), with tokens
and secrets masked in every field, as in the text format."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import datetime
from pathlib import Path

from tests.test_serve import free_port

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "xoxb-1234-5678-abcdefSECRET"

LOGGING_SCRIPT = f"""
import logging, logs
logs.configure("INFO", "json")
log = logging.getLogger("followthrough.test")
log.info("posted with %s", "{TOKEN}", extra={{"workspace": "T1", "action": "command", "latency_ms": 12.5}})
try:
    raise RuntimeError("login failed: password=hunter2 bearer abc.def")
except RuntimeError:
    log.exception("error %s while handling", "deadbeef", extra={{"error_id": "deadbeef"}})
log.warning('a "quoted" line\\nwith a newline')
"""


def json_lines(text: str) -> list[dict[str, object]]:
    lines = [line for line in text.splitlines() if line.strip()]
    parsed = [json.loads(line) for line in lines]  # each line must be a whole JSON object
    assert all(isinstance(entry, dict) for entry in parsed)
    return parsed


def test_each_record_is_one_json_object_with_secrets_masked() -> None:
    done = subprocess.run([sys.executable, "-c", LOGGING_SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    entries = json_lines(done.stderr)
    assert len(entries) == 3
    first, error, quoted = entries
    assert first["level"] == "INFO" and first["logger"] == "followthrough.test"
    assert first["message"] == "posted with [redacted]"
    assert (first["workspace"], first["action"], first["latency_ms"]) == ("T1", "command", 12.5)
    assert datetime.fromisoformat(str(first["time"])).utcoffset() is not None
    assert error["error_id"] == "deadbeef" and error["level"] == "ERROR"
    assert "RuntimeError" in str(error["exception"]) and "hunter2" not in str(error["exception"])
    assert "abc.def" not in str(error["exception"])
    assert quoted["message"] == 'a "quoted" line\nwith a newline'
    assert TOKEN not in done.stderr and "hunter2" not in done.stderr
    assert "error_id" not in first and "workspace" not in quoted, "only the fields a record knows"


def test_serve_logs_json_lines(tmp_path: Path) -> None:
    """A real `serve --no-scheduler`: its own lines are JSON, and /readyz checks no scheduler there."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/serve.db", "PORT": str(port),
           "LOG_FORMAT": "json", "LOG_LEVEL": "INFO", "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": "signing-secret-0123456789"}
    process = subprocess.Popen([sys.executable, "app.py", "serve", "--no-scheduler"], cwd=ROOT, env=env,
                               stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    assert response.status == 200
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as response:
                    ready = json.loads(response.read())
                break
            except OSError:
                assert process.poll() is None
                time.sleep(0.2)
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    assert ready["ok"] is True and set(ready["checks"]) == {"database", "migrations", "outbox"}, "no scheduler here"
    entries = json_lines(stderr)
    messages = [str(e["message"]) for e in entries]
    assert any(m.startswith("serving on port") for m in messages), messages
    assert any(m == "shutting down" for m in messages), messages
    assert all({"time", "level", "logger", "message"} <= set(e) for e in entries)
    assert TOKEN not in stderr
