"""How `serve` runs uvicorn: as `uvicorn.run` does, with one difference for several workers.

With `--workers N`, uvicorn's parent process binds the listening socket and its workers
inherit it. On SIGTERM the workers drain and close their copies, but the parent's stays
open until it exits: the kernel goes on completing connections nobody will accept, and
their requests are lost when the parent exits (a load balancer sees resets, not refusals).
Here the parent closes its copy as soon as it is asked to stop, so that once the workers
have stopped accepting, a new connection is refused at once, and a load balancer or a
client retries it elsewhere.
"""

from __future__ import annotations

import sys

from uvicorn import Config, Server
from uvicorn.supervisors import Multiprocess


class _Supervisor(Multiprocess):
    def terminate_all(self) -> None:
        for listening in self.sockets:
            listening.close()  # the workers' copies stay open until they stop accepting
        super().terminate_all()


def run(config: Config) -> None:
    """Serve until stopped (uvicorn.run, without reload)."""
    server = Server(config)
    try:
        if config.workers > 1:
            _Supervisor(config, sockets=[config.bind_socket()]).run()
            return
        config.load_app()
        server.run()
    except KeyboardInterrupt:  # Ctrl-C: uvicorn raises it again once it has shut down
        pass
    if not server.started:
        sys.exit(3)  # uvicorn's STARTUP_FAILURE
