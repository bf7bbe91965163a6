"""PgBouncer in transaction pooling mode in front of the local PostgreSQL, for the benchmark's
runs through it (`python -m bench --pooler pgbouncer`) and for CI's third run of the suite:

    python -m bench.pgbouncer start DIR [--port 6432] [--user postgres]  # config in DIR, daemon
    python -m bench.pgbouncer stop DIR          # ends the one DIR's pid file names, and waits

Debian's package (`apt-get install pgbouncer`, 1.18 on bookworm) is run as `postgres`: it
refuses to run as root, so its folder, configuration and log are made that user's.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.errors import BenchError
from bench.options import LOCALHOST

EXECUTABLE = "/usr/sbin/pgbouncer"
RUN_AS = "postgres"  # the Debian package's user, as for PostgreSQL itself
START_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0

# Every database of the server behind, each client's user and database passed on; no
# password (trust on 127.0.0.1, as the suite's PostgreSQL), but PgBouncer still wants each
# user named in its auth_file. Transaction pooling: a server connection is lent for one
# transaction. The pool is kept small beside the clients it serves (the service's pools,
# several processes at once), so that it really multiplexes them.
CONFIG = """\
[databases]
* = host={server_host} port={server_port}

[pgbouncer]
listen_addr = {listen}
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {folder}/userlist.txt
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = {max_clients}
logfile = {folder}/pgbouncer.log
pidfile = {folder}/pgbouncer.pid
"""


@dataclass(frozen=True, slots=True)
class Bouncer:
    """PgBouncer's files in `folder`, listening on 127.0.0.1:`port`."""

    folder: Path
    port: int = 6432
    server_host: str = LOCALHOST
    server_port: int = 5432
    pool_size: int = 20
    max_clients: int = 500
    users: tuple[str, ...] = ("postgres",)

    @property
    def pidfile(self) -> Path:
        return self.folder / "pgbouncer.pid"

    @property
    def log(self) -> Path:
        return self.folder / "pgbouncer.log"

    def url(self, user: str, database: str) -> str:
        return f"postgresql://{user}@{LOCALHOST}:{self.port}/{database}"

    def write_config(self) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        config = self.folder / "pgbouncer.ini"
        config.write_text(
            CONFIG.format(
                listen=LOCALHOST,
                folder=self.folder,
                **{
                    name: getattr(self, name)
                    for name in ("port", "server_host", "server_port", "pool_size", "max_clients")
                },
            )
        )
        (self.folder / "userlist.txt").write_text("".join(f'"{user}" ""\n' for user in self.users))
        return config

    def start(self) -> None:
        """Write the configuration and start PgBouncer as a daemon; answer once it listens."""
        if not Path(EXECUTABLE).exists():
            raise BenchError(f"{EXECUTABLE} is missing: apt-get install pgbouncer")
        if _answers(self.port):
            raise BenchError(f"something already listens on {LOCALHOST}:{self.port}")
        config = self.write_config()
        command = [EXECUTABLE, "-d", "-q", str(config)]
        if os.geteuid() == 0:  # it refuses root: its files become the user's it runs as
            account = pwd.getpwnam(RUN_AS)
            for path in (self.folder, *self.folder.iterdir()):
                os.chown(path, account.pw_uid, account.pw_gid)
            command[1:1] = ["-u", RUN_AS]
        done = subprocess.run(command, capture_output=True, text=True, timeout=START_TIMEOUT)
        if done.returncode != 0:
            raise BenchError(f"pgbouncer did not start: {done.stderr.strip()}\n{self._log()}")
        deadline = time.monotonic() + START_TIMEOUT
        while not _answers(self.port):
            if time.monotonic() > deadline:
                self.stop()
                raise BenchError(f"pgbouncer did not listen on {self.port}:\n{self._log()}")
            time.sleep(0.05)

    def stop(self) -> None:
        """End the PgBouncer this folder's pid file names (if it still runs), and wait."""
        try:
            pid = int(self.pidfile.read_text().strip())
        except (OSError, ValueError):
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)

    def _log(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-2000:]
        except OSError:
            return "(no log)"


def _answers(port: int) -> bool:
    try:
        with socket.create_connection((LOCALHOST, port), timeout=0.5):
            return True
    except OSError:
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@contextlib.contextmanager
def running(bouncer: Bouncer) -> Iterator[Bouncer]:
    """PgBouncer started, and stopped at the end whatever happened; its folder removed."""
    bouncer.start()
    try:
        yield bouncer
    finally:
        bouncer.stop()
        shutil.rmtree(bouncer.folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.pgbouncer", description=__doc__)
    parser.add_argument("action", choices=("start", "stop"))
    parser.add_argument("folder", type=Path, help="where its configuration, log and pid go")
    parser.add_argument("--port", type=int, default=6432)
    parser.add_argument("--server-port", type=int, default=5432)
    parser.add_argument("--user", default="postgres", help="the database user clients log in as")
    arguments = parser.parse_args()
    bouncer = Bouncer(
        arguments.folder.resolve(),
        arguments.port,
        server_port=arguments.server_port,
        users=(arguments.user,),
    )
    try:
        bouncer.start() if arguments.action == "start" else bouncer.stop()
    except BenchError as error:
        raise SystemExit(str(error)) from None


if __name__ == "__main__":
    main()
