"""The HTTP service (`ahs-routing serve`): plan jobs in SQLite, solved by worker processes (docs/SERVICE.md).

`jobs` keeps jobs and results, `worker` solves them, `solving` says what can be solved, `requests`
answers the synchronous calls, `app` is the FastAPI application, `server` runs it all. Only `app`
and `server` need the `service` extra (FastAPI, uvicorn).
"""
