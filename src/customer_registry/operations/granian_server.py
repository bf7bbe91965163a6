"""How `serve --server granian` runs granian: what `serve` asks of uvicorn, asked of granian.

- The same factory app, with the proxy headers applied by the app (serving_app): granian
  itself does nothing with them.
- HTTP/1.1 only, as uvicorn serves (granian would also take HTTP/2 with prior knowledge,
  where its header timeout does not apply). No WebSockets: the service has none.
- The header timeout is granian's `http1_header_read_timeout` (whole milliseconds, 60 s at
  most: settings refuse more). A request whose headers are late is closed without an answer
  (uvicorn's protocol answers a plain 408 first). The body deadline is the app's
  (apis/http.BodyLimit), as under uvicorn.
- Logging: uvicorn's configuration, granian's lines on its handler; granian's own access
  line stays off, the service writes uvicorn's (operations.edge).
- Shutdown: the workers drain on SIGTERM (operations.shutdown); granian's parent then waits
  for them, and kills one still running CUSTOMER_REGISTRY_SHUTDOWN_DELAY_SECONDS +
  CUSTOMER_REGISTRY_SHUTDOWN_TIMEOUT_SECONDS after SIGTERM.

granian's parent holds no listening socket on Linux: each worker binds its own, with
SO_REUSEPORT, and closes it when it stops accepting. SO_REUSEPORT also lets a second granian
bind a port already served, and granian panics when another kind of server holds it; hence
`taken` before it starts.
"""

from __future__ import annotations

import math
import socket

from granian.constants import HTTPModes, Interfaces
from granian.http import HTTP1Settings
from granian.server import Server

from customer_registry.logs import granian_log_config
from customer_registry.settings import Settings


def taken(host: str, port: int) -> OSError | None:
    """Why `host:port` cannot be listened on (in use, an address not this machine's), or
    None. Bound without SO_REUSEPORT, so that a server sharing its port with SO_REUSEPORT
    (another granian) holds it too."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((host, port))
        except OSError as error:
            return error
    return None


def header_read_timeout_ms(settings: Settings) -> int:
    return max(1, round(settings.header_timeout_seconds * 1000))


def kill_timeout_seconds(settings: Settings) -> int:
    """From SIGTERM: the drain, then the time requests in flight have to finish."""
    return math.ceil(settings.shutdown_delay_seconds + settings.shutdown_timeout_seconds)


def run(settings: Settings, host: str, port: int, workers: int) -> None:
    """Serve until stopped; granian's parent exits 1 when a worker stopped on its own (a
    failed start-up)."""
    Server(
        "customer_registry.app:serving_app",
        factory=True,
        address=host,
        port=port,
        workers=workers,
        interface=Interfaces.ASGI,
        http=HTTPModes.http1,
        websockets=False,
        http1_settings=HTTP1Settings(header_read_timeout=header_read_timeout_ms(settings)),
        log_dictconfig=granian_log_config(settings.log_format),
        log_access=False,
        workers_kill_timeout=kill_timeout_seconds(settings),
    ).serve()
