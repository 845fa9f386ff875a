"""The dashboard from the console, which has no App Home or welcome card: its help names the
command that sends the sign-in link, and the command prints the link (the console's
"direct message"), over the real `python app.py console` on stdin."""

from __future__ import annotations

import re
from pathlib import Path

from tests.test_console_my_data import Console
from tests.web.link_sign_in import links_in


def test_the_console_help_names_the_dashboard_command_and_it_prints_a_link(tmp_path: Path) -> None:
    with Console(tmp_path, tmp_path / "console.db") as console:
        console.say("hi")
        assert "/accountability dashboard" in console.say("/accountability help")
        printed = console.say("/accountability dashboard")
    assert "sent you a sign-in link for the dashboard" in printed
    (link,) = links_in([printed])
    assert re.fullmatch(r"https?://[^/\s]+/app/sign-in/[\w.\-]+", link), link
