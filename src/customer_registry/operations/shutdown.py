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
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType

from customer_registry.operations.health import Drain

_log = logging.getLogger(__name__)


def drain_on_sigterm(drain: Drain, delay: float) -> Callable[[], None]:
    """Drain on the first SIGTERM, then hand it to the server's handler; the second one is
    handed on at once. Answers the function that puts the server's handler back."""
    server_handler = signal.getsignal(signal.SIGTERM)
    if threading.current_thread() is not threading.main_thread() or not callable(server_handler):
        return lambda: None  # not the server's main thread (a test's app): nothing to drain
    loop = asyncio.get_running_loop()

    def hand_on(sig: int, frame: FrameType | None) -> None:
        server_handler(sig, frame)

    def on_sigterm(sig: int, frame: FrameType | None) -> None:
        if drain.started:
            hand_on(sig, frame)
            return
        drain.started = True
        _log.info("SIGTERM: draining for %s s (/readyz answers 503), then stopping", delay)
        loop.call_soon_threadsafe(loop.call_later, delay, hand_on, sig, None)

    signal.signal(signal.SIGTERM, on_sigterm)

    def restore() -> None:
        if signal.getsignal(signal.SIGTERM) is on_sigterm:
            signal.signal(signal.SIGTERM, server_handler)

    return restore
