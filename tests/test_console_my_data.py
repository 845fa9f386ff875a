"""The rep's data is the rep's, in the console: the real `python app.py console` over stdin,
line by line (each line followed by `:now`, whose answer marks the end of what the line
printed, so the numbers of the buttons just shown can be read and typed). `export` writes the
JSON file into the current directory; `forget` deletes every row about the rep after Confirm."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from types import TracebackType

from storage.db import make_engine, make_sessionmaker
from tests.my_data_checks import read_export, rows_referring_to

ROOT = Path(__file__).resolve().parent.parent


class Console:
    """`app.py console` in `directory`, on the SQLite file `db`, in Europe/Berlin."""

    def __init__(self, directory: Path, db: Path) -> None:
        env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{db}", "TZ": "Europe/Berlin", "LOGNAME": "mona", "USER": "mona"}
        self._errors = (directory / "stderr.txt").open("w")
        self._process = subprocess.Popen(
            [sys.executable, str(ROOT / "app.py"), "console", "--start", "2026-11-23 08:00"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._errors, text=True, cwd=directory, env=env,
        )

    def say(self, line: str) -> str:
        """Type `line`; everything the console printed in answer."""
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(f"{line}\n:now\n")
        self._process.stdin.flush()
        printed: list[str] = []
        while not (out := self._process.stdout.readline()).startswith("(it is "):
            assert out, "the console ended early"
            printed.append(out)
        return "".join(printed)

    def __enter__(self) -> Console:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()
        assert self._process.wait(timeout=60) == 0
        self._errors.close()


def number(printed: str, label: str) -> str:
    found = re.findall(rf"\[(\d+)\] {label}\b", printed)
    assert found, f"no button {label} in {printed!r}"
    return str(found[-1])


def person_id(db: Path, name: str) -> int:
    with sqlite3.connect(db) as connection:
        (found,) = connection.execute("SELECT id FROM person WHERE user_id = ?", (name,)).fetchone()
    return int(found)


def count(db: Path, table: str) -> int:
    with sqlite3.connect(db) as connection:
        return int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608 (our table names)


def two_misses(console: Console) -> None:
    """Mona (the default terms: her manager hears after two misses in a row) misses Monday and
    Tuesday, saying why; Dana is her partner, and Nils named Mona as his."""
    console.say(":as dana")
    console.say(":as nils")
    console.say(":as mona")
    console.say("/commit 20 calls every weekday")
    console.say("/accountability manager @dana")
    console.say(":as nils")
    console.say("/accountability manager @mona")
    console.say(":as mona")
    monday = console.say(":time 2026-11-23 16:35")
    assert "What got in the way" in console.say(number(monday, "No"))
    console.say("Demo prep ate the afternoon.")
    tuesday = console.say(":time 2026-11-24 16:35")
    console.say(number(tuesday, "No"))
    assert "bot → dana: Mona has missed" in console.say("A customer call ran long.")


async def test_export_writes_the_file_and_forget_after_confirm_leaves_nothing(tmp_path: Path) -> None:
    db = tmp_path / "console.db"
    with Console(tmp_path, db) as console:
        two_misses(console)
        printed = console.say("/accountability export")
        assert "bot → mona: I'm putting together everything" in printed
        saved = re.search(r"(follow-through-export-2026-11-24\.json) saved to (\S+)", printed)
        assert saved is not None and Path(saved.group(2)) == (tmp_path / saved.group(1)).resolve()
        data = read_export(Path(saved.group(2)).read_text(encoding="utf-8"))
        (commitment,) = data["commitments"]
        assert [(c["answer"], c["note"]) for c in commitment["checkins"]] == [
            ("no", "Demo prep ate the afternoon."), ("no", "A customer call ran long."),
        ]
        (told,) = data["manager_notices"]
        assert told["told"] == "Dana" and "Mona has missed" in told["text"]
        assert [p["name"] for p in data["partner_of"]] == ["Nils"]

        mona = person_id(db, "mona")
        asked = console.say("/accountability forget")
        assert "forget you" in asked
        console.say(":as dana")
        assert "nothing changed" in console.say(number(asked, "Confirm"))  # Dana typing Mona's button
        console.say(":as mona")
        printed = console.say(number(asked, "Confirm"))
        assert "bot → mona: Done. I've deleted everything I stored about you." in printed
        told_dana = re.findall(r"bot → dana: (.*)", printed)
        assert told_dana == ["Mona has left Follow-Through; they're no longer in your digest."]
        told_nils = re.findall(r"bot → nils: (.*)", printed)
        assert len(told_nils) == 1 and "Mona, your accountability partner, has left" in told_nils[0]

    engine = make_engine(f"sqlite+aiosqlite:///{db}")
    try:
        assert await rows_referring_to(make_sessionmaker(engine), mona, "mona") == []
    finally:
        await engine.dispose()


def test_cancel_keeps_everything(tmp_path: Path) -> None:
    db = tmp_path / "console.db"
    with Console(tmp_path, db) as console:
        two_misses(console)
        before = [count(db, table) for table in ("person", "commitment", "checkin", "notice")]
        asked = console.say("/accountability forget")
        assert "kept everything" in console.say(number(asked, "Cancel"))
        assert "nothing changed" in console.say(number(asked, "Confirm"))  # the question has closed
        assert [count(db, table) for table in ("person", "commitment", "checkin", "notice")] == before
    assert before[1:] == [1, 2, 1]
