"""The HTTP API (FastAPI): plan jobs, check, suggest, replan, schemas, health.

Every 4xx answer is `{"errors": [{"path", "message"}]}`, with the paths `InputError` gives
(`visits[3].windows[0]`). Handlers never solve in the event loop: plan jobs go to the worker
processes through the job store, a re-plan to a process pool, and parsing and checking run in
the thread pool. Request bodies are read up to `ServiceConfig.max_body_bytes` (413 beyond).
With a token configured, every endpoint but `/v1/health` needs `Authorization: Bearer <token>`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hmac
import json
import multiprocessing
from collections.abc import Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ahs_routing.errors import InputError, InputProblem
from ahs_routing.io.documents import PlanDoc, ProblemDoc
from ahs_routing.service import requests
from ahs_routing.service.jobs import FINISHED, JobStore, SearchLimits
from ahs_routing.service.solving import document_schemas, validate
from ahs_routing.version import library_version

T = TypeVar("T")

#: Default request body limit: a 1000-visit day is about 0.5 MB of JSON.
DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024
#: Default bound on queued jobs; one more is answered 429.
DEFAULT_MAX_QUEUED = 100
#: Time limits (seconds) of plan jobs: the default and the most a client may ask for.
DEFAULT_TIME_LIMIT = 10.0
MAX_TIME_LIMIT = 600.0


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    """How the service runs: where, how many workers, and its limits (`token` None: no auth)."""

    jobs_path: str = "ahs_routing_jobs.sqlite"
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    token: str | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_queued: int = DEFAULT_MAX_QUEUED
    default_time_limit: float = DEFAULT_TIME_LIMIT
    max_time_limit: float = MAX_TIME_LIMIT


class ApiError(Exception):
    """An answer other than 2xx: its status, its problems, and extra headers."""

    def __init__(self, status: int, problems: list[InputProblem], headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status, self.problems, self.headers = status, problems, headers or {}


def _errors(problems: list[InputProblem] | tuple[InputProblem, ...]) -> dict[str, Any]:
    return {"errors": [{"path": p.path, "message": p.message} for p in problems]}


def create_app(store: JobStore, config: ServiceConfig) -> FastAPI:
    """Return the FastAPI application serving `store` under `config`."""
    pools: list[concurrent.futures.ProcessPoolExecutor] = []

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> Any:
        yield
        for pool in pools:
            pool.shutdown(cancel_futures=True)

    app = FastAPI(title="ahs_routing", version=library_version(), lifespan=lifespan,
                  description="Plans daily routes of home-visiting clinical teams (docs/SERVICE.md).")

    @app.exception_handler(ApiError)
    async def api_error(_: Request, error: ApiError) -> JSONResponse:
        return JSONResponse(_errors(error.problems), status_code=error.status, headers=error.headers)

    @app.exception_handler(InputError)
    async def input_error(_: Request, error: InputError) -> JSONResponse:
        return JSONResponse(_errors(error.problems), status_code=422)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, error: RequestValidationError) -> JSONResponse:
        problems = [InputProblem(".".join(str(part) for part in item["loc"][1:]), item["msg"])
                    for item in error.errors()]
        return JSONResponse(_errors(problems), status_code=422)

    def authorised(request: Request) -> None:
        if config.token is None:
            return
        given = request.headers.get("authorization", "")
        expected = f"Bearer {config.token}"
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise ApiError(401, [InputProblem("Authorization", "a valid bearer token is required")],
                           {"WWW-Authenticate": "Bearer"})

    async def body(request: Request) -> Any:
        return await _read_json(request, config.max_body_bytes)

    def replan_pool() -> concurrent.futures.ProcessPoolExecutor:
        if not pools:
            pools.append(concurrent.futures.ProcessPoolExecutor(
                max_workers=config.workers, mp_context=multiprocessing.get_context("spawn")))
        return pools[0]

    guarded = [Depends(authorised)]

    @app.post("/v1/plans", status_code=202, dependencies=guarded,
              openapi_extra=_body_schema("ProblemDoc"), summary="Queue a problem document for solving")
    async def submit_plan(
        request: Request, time_limit: float | None = None, seed: int = 0, patience: int | None = None,
        solution_limit: int | None = None, work: int | None = None,
    ) -> JSONResponse:
        limits = _limits(config, time_limit, seed, patience, solution_limit, work)
        data = await body(request)
        kind = await run_in_threadpool(validate, data)
        job = await run_in_threadpool(store.submit, kind, data, limits, config.max_queued)
        if job is None:
            raise ApiError(429, [InputProblem("", f"the queue is full ({config.max_queued} jobs waiting); "
                                              "try again later")], {"Retry-After": "5"})
        return JSONResponse({"id": job.id, "status": job.status}, status_code=202,
                            headers={"Location": f"/v1/plans/{job.id}"})

    @app.get("/v1/plans/{job_id}", dependencies=guarded, summary="A plan job: status, plan, error, progress")
    def get_plan(job_id: str) -> dict[str, Any]:
        job = store.get(job_id)
        if job is None:
            raise ApiError(404, [InputProblem("id", f"no plan job {job_id!r}")])
        return job.to_dict()

    @app.delete("/v1/plans/{job_id}", dependencies=guarded,
                summary="Cancel a plan job (a running solve stops and keeps its best checked plan)")
    def cancel_plan(job_id: str) -> JSONResponse:
        before = store.get(job_id)
        if before is None:
            raise ApiError(404, [InputProblem("id", f"no plan job {job_id!r}")])
        if before.status in FINISHED:
            raise ApiError(409, [InputProblem("id", f"plan job {job_id!r} is already {before.status}")])
        job = store.cancel(job_id)
        assert job is not None
        # A running job stops at its worker's next look (202); a queued one is cancelled now (200).
        return JSONResponse(job.to_dict(), status_code=200 if job.status in FINISHED else 202)

    @app.post("/v1/check", dependencies=guarded, summary="Check a plan against its problem: the violations")
    async def check(request: Request) -> dict[str, Any]:
        return await run_in_threadpool(requests.check, await body(request))

    @app.post("/v1/suggest", dependencies=guarded, summary="Where a new visit fits in a plan, best first")
    async def suggest(request: Request) -> dict[str, Any]:
        return await run_in_threadpool(requests.suggest, await body(request))

    @app.post("/v1/replan", dependencies=guarded, summary="Re-plan the rest of the day after events")
    async def replan(request: Request) -> dict[str, Any]:
        data = await body(request)
        # A re-plan solves: in a worker process, never in the event loop or its threads.
        result: dict[str, Any] = await asyncio.wrap_future(replan_pool().submit(requests.replan, data))
        return result

    @app.get("/v1/schema/{name}", dependencies=guarded, summary="JSON Schema of a contract document")
    def schema(name: str) -> dict[str, Any]:
        schemas = document_schemas()
        if name not in schemas:
            raise ApiError(404, [InputProblem("name", f"no schema {name!r}; choose from {', '.join(schemas)}")])
        chosen: dict[str, Any] = schemas[name]
        return chosen

    @app.get("/v1/health", summary="Is the service up: version, workers, jobs by status (no auth)")
    def health() -> dict[str, Any]:
        return {"status": "ok", "version": library_version(), "workers": config.workers, "jobs": store.counts()}

    app.openapi = _openapi_with_contract(app)  # type: ignore[method-assign]
    return app


def _limits(
    config: ServiceConfig, time_limit: float | None, seed: int, patience: int | None, solution_limit: int | None,
    work: int | None,
) -> SearchLimits:
    """Return a job's search limits from the query, or raise 422 naming each bad parameter."""
    limit = config.default_time_limit if time_limit is None else time_limit
    problems = []
    if not 0 < limit <= config.max_time_limit:
        problems.append(InputProblem("time_limit", f"must be > 0 and <= {config.max_time_limit:g} seconds, "
                                     f"got {limit:g}"))
    for name, value in (("patience", patience), ("solution_limit", solution_limit), ("work", work)):
        if value is not None and value < 1:
            problems.append(InputProblem(name, f"must be a whole number >= 1, got {value}"))
    if problems:
        raise ApiError(422, problems)
    return SearchLimits(time_limit=limit, seed=seed, patience=patience, solution_limit=solution_limit, work=work)


async def _read_json(request: Request, max_bytes: int) -> Any:
    """Return the request's JSON body; 413 beyond `max_bytes` (declared or streamed), 422 if not JSON."""
    too_large = ApiError(413, [InputProblem("", f"the request body is over the limit of {max_bytes} bytes")])
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise too_large
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise too_large
        chunks.append(chunk)
    try:
        return await run_in_threadpool(json.loads, b"".join(chunks))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ApiError(422, [InputProblem("", f"the body is not valid JSON: {error}")]) from None


def _body_schema(model: str) -> dict[str, Any]:
    """Return the OpenAPI request body of a contract document (its schema is added by `_openapi_with_contract`)."""
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": {"$ref": f"#/components/schemas/{model}"}}}}}


def _openapi_with_contract(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """Return `app.openapi` with the contract's document models among its component schemas."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            components = spec.setdefault("components", {}).setdefault("schemas", {})
            for name, schema in _contract_components():
                components[name] = schema
            app.openapi_schema = spec
        return app.openapi_schema

    return openapi


def _contract_components() -> Iterator[tuple[str, dict[str, Any]]]:
    for model in (ProblemDoc, PlanDoc):
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        yield from schema.pop("$defs", {}).items()
        yield model.__name__, schema
