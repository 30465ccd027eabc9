"""The week calendar: one row per staff member, one column per date, a PNG written from `plan --gantt`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from weeks import VALID_ROUTES, hand_plan, small_week

from ahs_routing.cli.main import EXIT_OK, main
from ahs_routing.io.week import week_to_dict

pytest.importorskip("matplotlib")

from ahs_routing.plotting import save_week_calendar, week_calendar

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_the_calendar_has_a_row_per_person_and_a_column_per_date() -> None:
    week = small_week()
    figure = week_calendar(week, hand_plan(week, VALID_ROUTES))
    ax = figure.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["n2", "n1"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Mon 23 Nov", "Tue 24 Nov", "Wed 25 Nov", "Thu 26 Nov"]
    assert "11 of 11 visits" in ax.get_title()


def test_save_and_plan_gantt_write_pngs(tmp_path: Path) -> None:
    week = small_week()
    target = save_week_calendar(week, hand_plan(week, VALID_ROUTES), tmp_path / "week.png")
    assert target.read_bytes().startswith(PNG_SIGNATURE)
    source = tmp_path / "week.json"
    source.write_text(json.dumps(week_to_dict(week)))
    picture = tmp_path / "cli.png"
    assert main(["plan", str(source), "-o", str(tmp_path / "plan.json"), "--time-limit", "2",
                 "--solution-limit", "5", "--gantt", str(picture)]) == EXIT_OK
    assert picture.read_bytes().startswith(PNG_SIGNATURE)
