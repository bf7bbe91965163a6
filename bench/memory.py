"""The resident memory of a server's processes, sampled from /proc while the suite runs."""

from __future__ import annotations

import threading
from pathlib import Path

INTERVAL = 0.25  # seconds between samples
_PROC = Path("/proc")


def rss_mb(pid: int) -> float | None:
    """VmRSS of the process in MB (10^6 bytes), or None when it is gone."""
    try:
        status = (_PROC / str(pid) / "status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024 / 1e6
    return None


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = list((_PROC / str(pid) / "task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def tree(pid: int) -> list[int]:
    """The process and all its descendants (uvicorn's workers, when there are several)."""
    pids, pending = [], [pid]
    while pending:
        current = pending.pop()
        pids.append(current)
        pending += _children(current)
    return pids


class RssSampler:
    """Samples every process of a server's tree in a background thread; `peak_mb` is the
    largest RSS any one of them had (a worker's: with one worker, the server process)."""

    def __init__(self, pid: int) -> None:
        self._pid = pid
        self.peak_mb = 0.0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"rss-{pid}", daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(INTERVAL)

    def sample(self) -> None:
        sizes = [mb for mb in map(rss_mb, tree(self._pid)) if mb is not None]
        if sizes:
            self.peak_mb = max(self.peak_mb, *sizes)
            self.samples += 1
