"""Service requests with timestamps: `now` and events' `from` are read with the problem's `timezone`."""

from __future__ import annotations

from dataclasses import replace

import pytest
from planned_days import five_visits

from ahs_routing import InputError
from ahs_routing.io.contract import plan_to_dict, problem_to_dict
from ahs_routing.service import requests


def replan_request(timezone: str | None, now: str, unavailable_from: str) -> dict[str, object]:
    problem, plan = five_visits()
    return {"problem": problem_to_dict(replace(problem, timezone=timezone)), "plan": plan_to_dict(plan),
            "now": now, "solution_limit": 100, "seed": 1,
            "events": [{"type": "staff_unavailable", "staff": "n1", "from": unavailable_from}]}


def test_a_replan_request_in_utc_is_the_same_day_as_one_in_local_time() -> None:
    """08:15Z on 2026-11-23 is 09:15 in Oslo: the same new plan and changes as with "09:15"."""
    in_utc = requests.replan(replan_request("Europe/Oslo", "2026-11-23T08:15:00Z", "2026-11-23T08:15:00+00:00"))
    local = requests.replan(replan_request("Europe/Oslo", "09:15", "09:15"))
    assert in_utc["plan"]["routes"] == local["plan"]["routes"]
    assert in_utc["plan"]["changes"] == local["plan"]["changes"]


def test_without_a_timezone_offsets_are_refused_naming_the_keys() -> None:
    with pytest.raises(InputError) as caught:
        requests.replan(replan_request(None, "2026-11-23T08:15:00Z", "2026-11-23T08:15:00Z"))
    assert {p.path for p in caught.value.problems} == {"now", "events[0].from"}
    assert all("carries a UTC offset" in p.message for p in caught.value.problems)
