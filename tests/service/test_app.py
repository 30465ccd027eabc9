"""The API in process (FastAPI's TestClient), in addition to the real-server tests: limits, auth, the
synchronous endpoints, schemas and the OpenAPI document. No worker runs here, so jobs stay queued."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from planned_days import five_visits

from ahs_routing import check_plan, plan_from_dict, plan_to_dict, problem_from_dict, problem_to_dict
from ahs_routing.service.jobs import JobStore

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient

from ahs_routing.service.app import ServiceConfig, create_app

Documents = tuple[dict[str, object], dict[str, object]]

URGENT = {"id": "u", "patient": "c", "duration_minutes": 20, "windows": [{"start": "09:30", "end": "10:15"}],
          "priority": "critical"}


def client_for(tmp_path: Path, **config: object) -> TestClient:
    store = JobStore(tmp_path / "jobs.sqlite")
    return TestClient(create_app(store, ServiceConfig(jobs_path=str(store.path), **config)))  # type: ignore[arg-type]


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with client_for(tmp_path) as test_client:
        yield test_client


@pytest.fixture
def day_and_plan() -> Documents:
    problem, plan = five_visits()
    return problem_to_dict(problem), plan_to_dict(plan)


def test_a_full_queue_answers_429(tmp_path: Path, day_and_plan: Documents) -> None:
    with client_for(tmp_path, max_queued=2) as client:
        for _ in range(2):
            assert client.post("/v1/plans", json=day_and_plan[0]).status_code == 202
        answer = client.post("/v1/plans", json=day_and_plan[0])
        assert answer.status_code == 429 and answer.headers["Retry-After"]
        assert "queue is full" in answer.json()["errors"][0]["message"]


def test_a_body_over_the_limit_answers_413_declared_or_streamed(tmp_path: Path) -> None:
    with client_for(tmp_path, max_body_bytes=1000) as client:
        big = json.dumps({"padding": "x" * 2000})
        assert client.post("/v1/plans", content=big, headers={"Content-Type": "application/json"}).status_code == 413

        def chunks() -> Iterator[bytes]:  # no Content-Length: the limit holds while reading
            yield big[:900].encode()
            yield big[900:].encode()

        assert client.post("/v1/check", content=chunks()).status_code == 413


def test_a_token_means_bearer_auth_on_all_but_health(tmp_path: Path,
                                                      day_and_plan: Documents) -> None:
    with client_for(tmp_path, token="t0ken") as client:
        refused = client.post("/v1/plans", json=day_and_plan[0])
        assert refused.status_code == 401 and refused.headers["WWW-Authenticate"] == "Bearer"
        assert client.get("/v1/schema/plan").status_code == 401
        assert client.get("/v1/schema/plan", headers={"Authorization": "Bearer t0ken"}).status_code == 200
        assert client.get("/v1/health").status_code == 200


def test_submit_get_and_cancel_a_queued_job(client: TestClient,
                                            day_and_plan: Documents) -> None:
    answer = client.post("/v1/plans?time_limit=2&seed=4&solution_limit=50", json=day_and_plan[0])
    assert answer.status_code == 202 and answer.headers["Location"] == f"/v1/plans/{answer.json()['id']}"
    job = client.get(answer.headers["Location"]).json()
    assert (job["status"], job["time_limit"], job["seed"], job["solution_limit"]) == ("queued", 2.0, 4, 50)
    assert job["plan"] is None and job["progress"] is None and job["error"] is None
    cancelled = client.delete(answer.headers["Location"])
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert client.delete(answer.headers["Location"]).status_code == 409
    assert client.get("/v1/health").json()["jobs"]["cancelled"] == 1


def test_invalid_json_and_query_parameters_are_422_with_paths(client: TestClient) -> None:
    answer = client.post("/v1/plans", content=b"{not json", headers={"Content-Type": "application/json"})
    assert answer.status_code == 422 and "not valid JSON" in answer.json()["errors"][0]["message"]
    answer = client.post("/v1/plans?seed=abc&patience=0", json={})
    assert answer.status_code == 422 and [e["path"] for e in answer.json()["errors"]] == ["seed"]
    answer = client.post("/v1/plans?patience=0&time_limit=100000&work=0", json={})
    assert {e["path"] for e in answer.json()["errors"]} == {"patience", "time_limit", "work"}
    answer = client.post("/v1/plans", json=[1, 2])
    assert answer.status_code == 422 and "JSON object" in answer.json()["errors"][0]["message"]


def test_check_names_each_violation(client: TestClient,
                                    day_and_plan: Documents) -> None:
    problem, plan = day_and_plan
    assert client.post("/v1/check", json={"problem": problem, "plan": plan}).json() == {"valid": True,
                                                                                        "violations": []}
    late = json.loads(json.dumps(plan))
    late["routes"][0]["stops"][0].update(arrival="08:40", start="08:40", end="09:10")
    answer = client.post("/v1/check", json={"problem": problem, "plan": late}).json()
    assert answer["valid"] is False and answer["violations"]
    assert {"rule", "message", "staff", "visit", "minutes"} == set(answer["violations"][0])
    missing = client.post("/v1/check", json={"plan": plan, "extra": 1})
    assert missing.status_code == 422
    assert {(e["path"], e["message"]) for e in missing.json()["errors"]} == {("problem", "required"),
                                                                              ("extra", "unknown key")}
    bad = client.post("/v1/check", json={"problem": {**problem, "date": "monday"}, "plan": {**plan, "date": "x"}})
    assert {e["path"] for e in bad.json()["errors"]} == {"problem.date", "plan.date"}


def test_suggest_ranks_the_places_a_visit_fits(client: TestClient,
                                               day_and_plan: Documents) -> None:
    problem, plan = day_and_plan
    answer = client.post("/v1/suggest", json={"problem": problem, "plan": plan, "visit": URGENT, "k": 2})
    assert answer.status_code == 200
    suggestions = answer.json()["suggestions"]
    assert 1 <= len(suggestions) <= 2
    assert set(suggestions[0]) == {"staff", "start", "added_travel_minutes", "moved_visits", "delay_minutes"}
    bad = client.post("/v1/suggest", json={"problem": problem, "plan": plan, "visit": {**URGENT, "id": ""},
                                           "k": 0, "now": "9am"})
    assert {e["path"].split(".")[0] for e in bad.json()["errors"]} == {"visit", "k", "now"}


def test_replan_solves_in_a_worker_process_and_returns_a_checked_plan(
    client: TestClient, day_and_plan: Documents,
) -> None:
    problem, plan = day_and_plan
    answer = client.post("/v1/replan", json={"problem": problem, "plan": plan, "now": "09:15", "solution_limit": 100,
                                             "events": [{"type": "add_visit", "visit": URGENT}]})
    assert answer.status_code == 200, answer.text
    document = answer.json()
    assert document["plan"]["changes"][0]["change"] == "added"
    day = problem_from_dict(document["problem"])
    assert check_plan(day, plan_from_dict(document["plan"])) == []
    refused = client.post("/v1/replan", json={"problem": problem, "plan": plan, "now": None, "events": [{}]})
    assert {e["path"].split("[")[0] for e in refused.json()["errors"]} == {"now", "events"}


def test_schemas_and_the_openapi_document_come_from_the_contract(client: TestClient) -> None:
    assert client.get("/v1/schema/problem").json()["title"] == "ProblemDoc"
    assert client.get("/v1/schema/plan").json()["title"] == "PlanDoc"
    assert client.get("/v1/schema/nope").status_code == 404
    spec = client.get("/openapi.json").json()
    body = spec["paths"]["/v1/plans"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/ProblemDoc"}
    components = spec["components"]["schemas"]
    assert {"ProblemDoc", "PlanDoc", "VisitDoc"} <= set(components)
    # Every reference inside the contract's schemas resolves within the document.
    text = json.dumps(components)
    for name in {part.split('"')[0] for part in text.split("#/components/schemas/")[1:]}:
        assert name in components, name


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10) | st.text(max_size=6) | st.floats(allow_nan=False,
                                                                                         allow_infinity=False),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=10)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=_JSON, endpoint=st.sampled_from(["/v1/plans", "/v1/check", "/v1/suggest", "/v1/replan"]))
def test_any_json_body_is_answered_with_a_status_never_a_crash(client: TestClient, body: object,
                                                                endpoint: str) -> None:
    """Bad input is a 422 listing paths (or a job, if it happens to be a valid day); never a 500."""
    answer = client.post(endpoint, json=body)
    assert answer.status_code in (202, 422), answer.text
    if answer.status_code == 422:
        assert all(set(e) == {"path", "message"} for e in answer.json()["errors"]) and answer.json()["errors"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_mutated_check_request_is_answered_with_paths_never_a_crash(
    client: TestClient, day_and_plan: Documents, data: st.DataObject,
) -> None:
    """One field of the problem or plan replaced by an arbitrary JSON value: 200 or 422, never a 500."""
    problem, plan = json.loads(json.dumps(day_and_plan))
    target = data.draw(st.sampled_from([problem, plan]))
    key = data.draw(st.sampled_from(sorted(target)))
    target[key] = data.draw(_JSON)
    answer = client.post("/v1/check", json={"problem": problem, "plan": plan})
    assert answer.status_code in (200, 422), answer.text
