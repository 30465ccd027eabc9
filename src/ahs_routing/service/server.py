"""Running the service: recover the job store, start the worker processes, serve HTTP until stopped."""

from __future__ import annotations

import logging
import multiprocessing
import os

from ahs_routing.service.app import ServiceConfig, create_app
from ahs_routing.service.jobs import JobStore
from ahs_routing.service.worker import work

log = logging.getLogger(__name__)

#: Seconds the workers get to hand their jobs back when the service stops, before they are ended.
SHUTDOWN_GRACE_SECONDS = 5.0


def serve(config: ServiceConfig) -> None:
    """Serve the API on `config.host:config.port` with `config.workers` solving processes, until interrupted."""
    import uvicorn

    store = JobStore(config.jobs_path)
    requeued, failed = store.recover()
    if requeued or failed:
        log.warning("recovered after an interruption: %d job(s) re-queued, %d marked failed", requeued, failed)
    # Spawned, not forked: the workers start clean of the server's threads and sockets.
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    workers = [context.Process(target=work, args=(config.jobs_path, stop, os.getpid()), daemon=True,
                               name=f"ahs-routing-worker-{k}") for k in range(config.workers)]
    for process in workers:
        process.start()
    try:
        uvicorn.run(create_app(store, config), host=config.host, port=config.port, log_level="warning",
                    access_log=False, timeout_graceful_shutdown=int(SHUTDOWN_GRACE_SECONDS))
    finally:
        stop.set()
        for process in workers:
            process.join(SHUTDOWN_GRACE_SECONDS)
            if process.is_alive():
                process.terminate()
                process.join()
