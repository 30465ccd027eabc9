"""The contract's documents (schema_version 1) as pydantic models, and their validation.

The models describe the problem and plan documents exactly as `docs/CONTRACT.md` says (unknown
keys are errors) and give `json_schemas` its schemas; `ahs_routing.io.contract` turns them into
the domain model and back. A validation failure is an `InputError` whose paths follow the JSON.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ahs_routing.errors import InputError, InputProblem, ProblemCollector

T = TypeVar("T")

# Patterns are published in the JSON Schema but checked by our own parsers, whose messages
# name the value ("'8am' is not a time of day HH:MM") rather than a regular expression.
Clock = Annotated[str, Field(json_schema_extra={"pattern": r"^\d{1,2}:[0-5]\d(:[0-5]\d)?$"}, examples=["08:30"])]
Id = Annotated[str, Field(min_length=1)]
Minutes = Annotated[float, Field(description="minutes")]


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


# Problem document ----------------------------------------------------------------------


class LocationDoc(_Doc):
    lat: float
    lon: float


class PlaceDoc(LocationDoc):
    """A staff start/end location; the optional id names it in a travel matrix."""

    id: Id | None = None


class BaseDoc(_Doc):
    id: Id
    name: str | None = None
    location: LocationDoc


class PolicyDoc(_Doc):
    max_travel_minutes_from_base: Minutes | None = 60
    max_patient_age_years: float | None = 18


class TravelDoc(_Doc):
    provider: Literal["geodesic", "matrix", "graph", "osrm"] = "geodesic"
    locations: list[Id] | None = None
    minutes: list[list[float]] | None = None
    km: list[list[float]] | None = None
    path: str | None = None
    url: str | None = None
    options: dict[str, Any] | None = None  # extension: provider settings, see docs/CONTRACT.md


class ShiftDoc(_Doc):
    start: Clock
    end: Clock


class BreakDoc(_Doc):
    earliest_start: Clock
    latest_end: Clock
    minutes: Minutes


class StaffDoc(_Doc):
    id: Id
    role: str = ""
    skills: list[str] = []
    shift: ShiftDoc
    overtime_minutes: Minutes = 0
    breaks: list[BreakDoc] = []
    avoid: list[str] = []
    max_travel_minutes: Minutes | None = None
    capacity: float | None = None
    start_location: PlaceDoc | None = None
    end_location: PlaceDoc | None = None


class PatientDoc(_Doc):
    id: Id
    age_years: float | None = None
    location: LocationDoc
    attributes: list[str] = []
    parking_minutes: Minutes = 0
    preferred_staff: list[Id] = []
    excluded_staff: list[Id] = []


class WindowDoc(_Doc):
    start: Clock
    end: Clock


class AfterDoc(_Doc):
    visit: Id
    min_minutes: Minutes = 0
    max_minutes: Minutes | None = None


class VisitDoc(_Doc):
    id: Id
    patient: Id
    kind: str = ""
    duration_minutes: Minutes
    windows: list[WindowDoc] | None = None
    skills: list[str] = []
    staff_count: int = 1
    priority: Literal["critical", "high", "normal", "low"] = "normal"
    mode: Literal["home", "remote"] = "home"
    demand: float = 0
    after: AfterDoc | None = None
    pinned_staff: Id | None = None
    late_minutes: Minutes = Field(
        default=0,
        description="extension: the visit may start up to this many minutes after its last window ends, "
        "at a cost per minute late (0 = the window end is hard)",
    )


class ProblemDoc(_Doc):
    """One planning day (the contract's problem document)."""

    schema_version: Literal[1]
    date: str = Field(json_schema_extra={"pattern": r"^\d{4}-\d{2}-\d{2}$"}, examples=["2026-11-23"])
    base: BaseDoc
    policy: PolicyDoc = PolicyDoc()
    travel: TravelDoc = TravelDoc()
    timezone: str | None = Field(default=None, examples=["Europe/Oslo"],
                                 description="IANA zone of the date's clock times; timestamps with an offset "
                                 "are converted to it, and refused without it")
    staff: list[StaffDoc]
    patients: list[PatientDoc]
    visits: list[VisitDoc]


class ProblemHeaderDoc(_Doc):
    """The problem document with its lists unparsed, so each item is validated on its own."""

    schema_version: Literal[1]
    date: str
    base: BaseDoc
    policy: PolicyDoc = PolicyDoc()
    travel: TravelDoc = TravelDoc()
    timezone: str | None = None
    staff: list[Any]
    patients: list[Any]
    visits: list[Any]


# Plan document -------------------------------------------------------------------------


class StopDoc(_Doc):
    visit: Id
    patient: Id
    travel_minutes: float
    arrival: Clock
    start: Clock
    end: Clock


class BreakTakenDoc(_Doc):
    start: Clock
    end: Clock


class RouteDoc(_Doc):
    staff: Id
    start: Clock
    end: Clock
    travel_minutes: float
    distance_km: float | None = None
    stops: list[StopDoc]
    breaks: list[BreakTakenDoc] = []


class UnassignedDoc(_Doc):
    visit: Id
    reason: Literal[
        "patient_ineligible",
        "no_qualified_staff",
        "no_compatible_staff",
        "unreachable_in_shift",
        "linked_visit_unserved",
        "capacity",
    ]
    detail: str = ""


class IneligibleDoc(_Doc):
    patient: Id
    reason: Literal["travel_limit", "age_limit"]
    detail: str = ""


class KpisDoc(_Doc):
    visits: int
    visits_served: int
    travel_minutes: float
    distance_km: float | None
    overtime_minutes: float
    continuity_rate: float | None
    staff_used: int


class ChangeDoc(_Doc):
    """Extension (`ahs-routing replan`): one difference from the plan that was re-planned."""

    change: Literal["added", "cancelled", "unassigned", "moved", "shifted", "break_dropped", "overtime"]
    visit: Id | None = None
    staff_before: list[Id] = []
    staff_after: list[Id] = []
    start_before: Clock | None = None
    start_after: Clock | None = None
    detail: str = ""


class PlanDoc(_Doc):
    """The answer for one planning day (the contract's plan document)."""

    schema_version: Literal[1]
    date: str
    status: Literal["complete", "partial"]
    routes: list[RouteDoc]
    unassigned: list[UnassignedDoc]
    ineligible_patients: list[IneligibleDoc]
    kpis: KpisDoc
    changes: list[ChangeDoc] = Field(default=[], description="extension: written by `ahs-routing replan` only; "
                                     "what changed against the plan it re-planned (docs/REPLAN.md)")
    meta: dict[str, Any] = Field(default={}, description="extension: provenance of a solved plan (library_version, "
                                 "seed, time_limit, travel_provider, solved_at, stopped_by, ...; docs/CONTRACT.md)")


class HistoryStopDoc(_Doc):
    """A stop as another system records it: only what was done is required (docs/HISTORY.md).

    `travel_minutes` is output-only: any value is read as a figure to compare with the replay's,
    never trusted. `arrival` (inferred from the travel model when absent) and `end` (the
    problem's duration and parking when absent) may be left out.
    """

    visit: Id
    patient: Id
    start: Clock
    arrival: Clock | None = None
    end: Clock | None = None
    travel_minutes: Any = None


class HistoryRouteDoc(_Doc):
    """A route as driven: `start`/`end` may be absent (they enclose the rebuilt day); travel and
    distance are output-only, any value read as a figure to compare, never trusted."""

    staff: Id
    start: Clock | None = None
    end: Clock | None = None
    travel_minutes: Any = None
    distance_km: Any = None
    stops: list[HistoryStopDoc]
    breaks: list[BreakTakenDoc] = []


class HistoryPlanDoc(_Doc):
    """A plan document read as a history (replay, compare): output-only fields may be absent or partial.

    `kpis`, `status`, `unassigned` and `ineligible_patients` are taken as they come (an object
    with some figures, or none): they are recomputed, and only compared with the recomputed
    figures (`ahs_routing.io.history`). The records (ids, times, structure) are validated strictly.
    """

    schema_version: Literal[1]
    date: str
    status: Any = None
    routes: list[HistoryRouteDoc]
    unassigned: Any = None
    ineligible_patients: Any = None
    kpis: Any = None
    changes: Any = None
    meta: dict[str, Any] = {}


# Validation --------------------------------------------------------------------------------


def _validation_problems(error: ValidationError) -> list[InputProblem]:
    found = []
    for item in error.errors():
        path = ""
        for part in item["loc"]:
            path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown key (not in the contract)"
        elif item["type"] != "missing":
            message = f"{message}, got {item['input']!r}"
        found.append(InputProblem(path, message))
    return found


def parse_document(model: type[T], data: Any) -> T:
    """Return `data` validated as the document model `model`; an `InputError` names every fault."""
    try:
        return model.model_validate(data)  # type: ignore[attr-defined, no-any-return]
    except ValidationError as error:
        raise InputError(_validation_problems(error)) from None


def parse_part(problems: ProblemCollector, path: str, model: type[T], data: Any) -> T | None:
    """Return `data` validated as `model`, or None with its faults recorded in `problems` under `path`."""
    with problems.at(path):
        return parse_document(model, data)
    return None
