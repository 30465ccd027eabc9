"""The contract's week documents (`kind: "week"` and `kind: "week_plan"`) as pydantic models.

Shapes only, as `docs/CONTRACT.md` ("Week documents") gives them; `ahs_routing.io.week` turns
them into the domain model and back. Day fields reuse the day documents' models.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from ahs_routing.io.documents import (
    BaseDoc,
    BreakDoc,
    Id,
    Minutes,
    PatientDoc,
    PlaceDoc,
    PlanDoc,
    PolicyDoc,
    ShiftDoc,
    TravelDoc,
    VisitDoc,
    _Doc,
)

IsoDate = Annotated[str, Field(json_schema_extra={"pattern": r"^\d{4}-\d{2}-\d{2}$"}, examples=["2026-11-23"])]


class RosterDayDoc(_Doc):
    """One date a person works: that date's shift, overtime and breaks."""

    date: IsoDate
    shift: ShiftDoc
    overtime_minutes: Minutes = 0
    breaks: list[BreakDoc] = Field(default_factory=list)


class WeekStaffDoc(_Doc):
    id: Id
    role: str = ""
    skills: list[str] = Field(default_factory=list)
    avoid: list[str] = Field(default_factory=list)
    max_travel_minutes: Minutes | None = None
    capacity: float | None = None
    start_location: PlaceDoc | None = None
    end_location: PlaceDoc | None = None
    max_week_minutes: Minutes | None = Field(
        default=None, description="cap on the sum over the week of (route end - route start); null = none")
    days: list[RosterDayDoc] = Field(default_factory=list,
                                     description="the dates this person works; others are days off")


class RecurrenceDoc(_Doc):
    count: int
    dates: list[IsoDate] | None = None
    min_days_apart: int = 0


class WeekVisitDoc(VisitDoc):
    """A day visit plus when it happens: exactly one of `date` and `recurrence`."""

    date: IsoDate | None = None
    recurrence: RecurrenceDoc | None = None


class WeekHeaderDoc(_Doc):
    """The week document with its lists unparsed, so each item is validated on its own."""

    schema_version: Literal[1]
    kind: Literal["week"]
    timezone: str | None = Field(default=None, description="IANA zone of the dates' clock times (optional)")
    dates: list[Any]
    base: BaseDoc
    policy: PolicyDoc = PolicyDoc()
    travel: TravelDoc = TravelDoc()
    staff: list[Any]
    patients: list[Any]
    visits: list[Any]


class WeekDoc(WeekHeaderDoc):
    """Several planning days planned together (the contract's week problem)."""

    dates: list[IsoDate]
    staff: list[WeekStaffDoc]
    patients: list[PatientDoc]
    visits: list[WeekVisitDoc]


class WeekDayDoc(_Doc):
    date: IsoDate
    plan: PlanDoc


class WeekUnassignedDoc(_Doc):
    visit: Id
    missing: int
    reason: Literal["patient_ineligible", "no_qualified_staff", "no_compatible_staff", "unreachable_in_shift",
                    "linked_visit_unserved", "capacity"]
    detail: str = ""


class WeekContinuityDoc(_Doc):
    """Continuity across the week (an addition to the contract; a week plan may leave it out)."""

    staff_per_patient_mean: float | None = Field(
        description="mean over patients with a served visit of the distinct staff who came (= staff_per_patient)")
    staff_per_patient_max: int | None = Field(description="most distinct staff any patient saw in the week")
    start_spread_mean_minutes: float | None = Field(
        description="mean over recurring visits served on 2+ dates of latest start minus earliest (time of day)")
    start_spread_max_minutes: float | None = Field(description="the largest of those spreads")
    recurring_visits_measured: int = Field(description="recurring visits served on 2 or more dates")


class WeekKpisDoc(_Doc):
    visits: int
    visits_served: int
    travel_minutes: float
    overtime_minutes: float
    staff_per_patient: float | None
    continuity_rate: float | None
    continuity: WeekContinuityDoc | None = None


class WeekPlanDoc(_Doc):
    """The answer for a week (the contract's week plan)."""

    schema_version: Literal[1]
    kind: Literal["week_plan"]
    days: list[WeekDayDoc]
    unassigned: list[WeekUnassignedDoc]
    kpis: WeekKpisDoc
    meta: dict[str, Any] | None = Field(default=None,
                                        description="extension: how the plan was made (ignored by checkers)")
