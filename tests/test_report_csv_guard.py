"""The CSV the leader report writes (`app.py report --format csv`, the dashboard's leader CSV)
never hands a spreadsheet a formula: a text cell that starts with `=`, `+`, `-`, `@`, a tab or
a carriage return gets a leading `'` (OWASP "CSV injection"); numbers, negative ones too, stay
numbers. The rule as a table, then a whole report written out."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import pytest

from handlers.report import LeaderReport, cadence, figures, months_in, total
from handlers.report_format import as_csv, spreadsheet_cell
from storage.repositories.report import ManagerCounts

SINCE = datetime(2026, 11, 1, tzinfo=UTC)
UNTIL = datetime(2026, 11, 29, tzinfo=UTC)
HYPERLINK = '=HYPERLINK("http://x","y")'


@pytest.mark.parametrize(("value", "cell"), [
    (HYPERLINK, "'" + HYPERLINK),
    ("=1+2", "'=1+2"),
    ("+49 30 1234", "'+49 30 1234"),
    ("-Dana", "'-Dana"),
    ("-12", "'-12"),  # text that looks like a number is still text
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("\t=1+2", "'\t=1+2"),
    ("\r=1+2", "'\r=1+2"),
    ("Dana", "Dana"),
    ("Dana = lead", "Dana = lead"),
    ("'quoted", "'quoted"),
    ("", ""),
    (None, ""),
    (-12, -12),
    (-12.5, -12.5),
    (0, 0),
    (66.7, 66.7),
])
def test_a_text_cell_that_starts_like_a_formula_is_guarded_and_numbers_stay_numbers(value: Any, cell: Any) -> None:
    assert spreadsheet_cell(value) == cell


def counts(manager_id: int, name: str, user_id: str, **numbers: int) -> ManagerCounts:
    zeros = {key: 0 for key in ManagerCounts.__dataclass_fields__ if key not in ("manager_id", "name", "user_id")}
    return ManagerCounts(manager_id=manager_id, name=name, user_id=user_id, **{**zeros, **numbers})


def test_the_report_csv_guards_names_and_keeps_a_falling_trend_a_number() -> None:
    rows = [
        counts(1, HYPERLINK, "@U1", reps=2, kept=2, settled=10, prev_kept=8, prev_settled=10),
        counts(2, "Dana", "UDANA", reps=1, kept=5, settled=5, prev_kept=5, prev_settled=5),
    ]
    months = months_in(SINCE, UNTIL)
    report = LeaderReport(SINCE, UNTIL, [figures(c, months, cadence(c, months)) for c in rows], figures(total(rows), months, None))
    written = as_csv(report)
    hyper, dana, everyone = csv.DictReader(io.StringIO(written))
    assert (hyper["manager"], hyper["user_id"]) == ("'" + HYPERLINK, "'@U1")
    assert (dana["manager"], dana["user_id"]) == ("Dana", "UDANA")
    assert hyper["trend_points"] == "-60.0" and float(hyper["trend_points"]) == -60.0
    assert everyone["manager"] == "All teams" and float(everyone["trend_points"]) < 0
    assert ",-60.0," in written, "a number is written bare, never quoted or guarded"
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) or cell.lstrip("-").replace(".", "", 1).isdigit()
               for line in csv.reader(io.StringIO(written)) for cell in line), "no cell but a number starts like a formula"
