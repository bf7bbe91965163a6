"""The drain before a worker stops. On SIGTERM (a rolling restart, `kill`, systemd, Docker)
the worker first drains for CUSTOMER_REGISTRY_SHUTDOWN_DELAY_SECONDS: it keeps serving,
`/readyz` answers 503 and every answer closes its connection, so that a load balancer
checking `/readyz` stops sending it requests. Then uvicorn's own shutdown: it stops
accepting, and requests in flight have CUSTOMER_REGISTRY_SHUTDOWN_TIMEOUT_SECONDS to finish
(uvicorn's `timeout_graceful_shutdown`) before the worker exits.

uvicorn handles the signal itself and offers no hook before it stops accepting; its
handler is installed when its server starts, before the application's start-up, so the
start-up puts this one in front of it, and hands the signal on once the delay is over.
With several workers, the parent sends each worker SIGTERM and waits for them.

granian (`serve --server granian`) always runs its workers as processes of their own, under
a parent that sends each of them SIGTERM and waits for them. A worker stops on SIGTERM and on
SIGINT alike, through its event loop's signal handlers (`loop.add_signal_handler`), also
installed before the application's start-up, and it stops accepting on its own socket at
once. There the start-up takes the loop's SIGTERM over, and once the delay is over sends the
worker SIGINT, which granian's handler still answers by stopping the same way. granian has
no shutdown timeout of its own: its parent kills a worker still running
CUSTOMER_REGISTRY_SHUTDOWN_DELAY_SECONDS + CUSTOMER_REGISTRY_SHUTDOWN_TIMEOUT_SECONDS after
SIGTERM (operations/granian_server.py).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
from collections.abc import Callable
from types import FrameType

from customer_registry.operations.health import Drain
from customer_registry.settings import ServerName

_log = logging.getLogger(__name__)


def drain_on_sigterm(
    drain: Drain, delay: float, server: ServerName = "uvicorn"
) -> Callable[[], None]:
    """Drain on the first SIGTERM, then hand it to the server's handler; the second one is
    handed on at once. Answers the function that puts the server's handler back."""
    if server == "granian":
        return _drain_in_granian(drain, delay)
    server_handler = signal.getsignal(signal.SIGTERM)
    if threading.current_thread() is not threading.main_thread() or not callable(server_handler):
        return lambda: None  # not the server's main thread (a test's app): nothing to drain
    draining = _draining(drain, delay, lambda: server_handler(signal.SIGTERM, None))

    def on_sigterm(sig: int, frame: FrameType | None) -> None:
        draining()

    signal.signal(signal.SIGTERM, on_sigterm)

    def restore() -> None:
        if signal.getsignal(signal.SIGTERM) is on_sigterm:
            signal.signal(signal.SIGTERM, server_handler)

    return restore


def _drain_in_granian(drain: Drain, delay: float) -> Callable[[], None]:
    """The same drain in a granian worker, whose handlers are its event loop's. Its SIGTERM
    handler cannot be read back from the loop; SIGINT's, the same, stays in place."""
    loop = asyncio.get_running_loop()

    def stop() -> None:
        os.kill(os.getpid(), signal.SIGINT)

    loop.add_signal_handler(signal.SIGTERM, _draining(drain, delay, stop))

    def restore() -> None:
        # The server has stopped by now: a SIGTERM while the application shuts down has
        # nothing left to drain, and stops at once, as granian's own handler would.
        loop.add_signal_handler(signal.SIGTERM, stop)

    return restore


def _draining(drain: Drain, delay: float, stop: Callable[[], None]) -> Callable[[], None]:
    """What a SIGTERM does under either server: the first starts the drain and calls `stop`
    `delay` seconds later; one that comes during the drain calls it at once. It may run in a
    signal handler, outside the event loop: the timer goes through `call_soon_threadsafe`."""
    loop = asyncio.get_running_loop()

    def on_sigterm() -> None:
        if drain.started:
            stop()
            return
        drain.started = True
        _log.info("SIGTERM: draining for %s s (/readyz answers 503), then stopping", delay)
        loop.call_soon_threadsafe(loop.call_later, delay, stop)

    return on_sigterm
