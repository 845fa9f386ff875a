"""A browser test that fails leaves a screenshot of each page it had open (tests/artifacts/,
or the folder `FOLLOW_THROUGH_ARTIFACTS` names), named after the test; one that passes leaves
none. Checked by running pytest on two small browser tests with the browser tests' plugin
(tests/web/browser_world.py) in a separate process, as CI would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = '''
from playwright.sync_api import Browser


def test_that_fails(browser: Browser) -> None:
    first, second = browser.new_page(), browser.new_page()
    first.set_content("<h1>first page</h1>")
    second.set_content("<h1>second page</h1>")
    assert first.locator("h1").inner_text() == "another page"


def test_that_passes(browser: Browser) -> None:
    page = browser.new_page()
    page.set_content("<h1>fine</h1>")
    assert page.locator("h1").inner_text() == "fine"
'''


def test_a_failing_browser_test_leaves_a_screenshot_of_each_page_it_had_open(tmp_path: Path) -> None:
    (tmp_path / "test_pages.py").write_text(TESTS, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    artifacts = tmp_path / "artifacts"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "FOLLOW_THROUGH_ARTIFACTS": str(artifacts)}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "tests.web.browser_world", "-p", "no:cacheprovider", "test_pages.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180,
    )
    assert run.returncode == 1 and "1 failed, 1 passed" in run.stdout, run.stdout + run.stderr
    saved = sorted(artifacts.iterdir())
    assert [path.name for path in saved] == ["test_that_fails-1.png", "test_that_fails-2.png"], run.stdout
    for path in saved:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 1000
    assert "Screenshot on failure" in run.stdout and str(saved[0]) in run.stdout
