"""`ahs-routing serve`: the HTTP service (FastAPI + uvicorn, the `service` extra); docs/SERVICE.md.

Loopback by default. `AHS_API_TOKEN` in the environment turns on bearer-token auth. Jobs and
results live in the SQLite file `--jobs`; after a crash, a restart with the same file re-queues
what was running.
"""

from __future__ import annotations

import argparse
import os
import sys

from ahs_routing.cli.common import EXIT_INPUT, EXIT_OK, Subcommands, require

#: The environment variable holding the API token; unset or empty: no auth.
TOKEN_VARIABLE = "AHS_API_TOKEN"


def register(subcommands: Subcommands) -> None:
    """Add the `serve` subcommand."""
    parser = subcommands.add_parser("serve", help="serve plan jobs, checks and re-plans over HTTP")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback only)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    parser.add_argument("--jobs", default="ahs_routing_jobs.sqlite", metavar="PATH",
                        help="SQLite file of jobs and results (default: ./ahs_routing_jobs.sqlite)")
    parser.add_argument("--workers", type=int, default=1, metavar="N", help="solving processes (default 1)")
    parser.add_argument("--max-queued", type=int, default=100, metavar="N",
                        help="queued jobs beyond which a submission is answered 429 (default 100)")
    parser.add_argument("--max-body-mb", type=float, default=5.0, metavar="MB",
                        help="largest request body, in MB (default 5; beyond: 413)")
    parser.set_defaults(func=_cmd_serve)


def _cmd_serve(args: argparse.Namespace) -> int:
    require("service", "serve", "fastapi", "uvicorn")
    from ahs_routing.service.app import ServiceConfig
    from ahs_routing.service.server import serve

    if args.workers < 1 or args.max_queued < 1 or args.max_body_mb <= 0:
        sys.stderr.write("invalid input:\n  --workers and --max-queued must be >= 1, --max-body-mb > 0\n")
        return EXIT_INPUT
    token = os.environ.get(TOKEN_VARIABLE) or None
    if token is None and args.host not in ("127.0.0.1", "::1", "localhost"):
        sys.stderr.write(f"warning: serving on {args.host} without {TOKEN_VARIABLE}: anyone who reaches it "
                         "can submit and read plans\n")
    config = ServiceConfig(jobs_path=args.jobs, host=args.host, port=args.port, workers=args.workers, token=token,
                           max_queued=args.max_queued, max_body_bytes=int(args.max_body_mb * 1024 * 1024))
    sys.stderr.write(f"ahs-routing serving on http://{args.host}:{args.port} with {args.workers} worker(s); "
                     f"jobs in {args.jobs}{'; bearer token required' if token else ''}\n")
    serve(config)
    return EXIT_OK
