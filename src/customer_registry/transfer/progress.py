"""How an import shows its progress: a Rich progress bar (rows, rows per second, time left)
on a terminal; elsewhere (a log, a pipe, CI) a plain line every few seconds."""

from __future__ import annotations

import time
from types import TracebackType
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

from customer_registry.core.imports import Report

PLAIN_EVERY_SECONDS = 5.0


class ImportProgress:
    """Called with the import's report after each batch (`core.imports.Progress`)."""

    def __init__(self, rows: int | None, out: TextIO, *, terminal: bool) -> None:
        self._rows = rows
        self._out = out
        self._started = self._shown = time.monotonic()
        self._bar: Progress | None = None
        if terminal:
            self._bar = Progress(
                TextColumn("[bold]importing"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]} rows/s"),
                TextColumn("{task.fields[refused]} refused"),
                TimeRemainingColumn(),
                console=Console(file=out),
            )
            self._task = self._bar.add_task("import", total=rows, rate="-", refused=0)

    def __enter__(self) -> ImportProgress:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()

    def __call__(self, report: Report) -> None:
        now = time.monotonic()
        rate = report.rows / max(now - self._started, 1e-9)
        refused = len(report.refused)
        if self._bar is not None:
            self._bar.update(
                self._task, completed=report.rows, rate=f"{rate:,.0f}", refused=refused
            )
            return
        if now - self._shown >= PLAIN_EVERY_SECONDS:
            self._shown = now
            of = f" of about {self._rows:,}" if self._rows is not None else ""
            print(
                f"{report.rows:,} rows{of}, {rate:,.0f} rows/s, {refused:,} refused",
                file=self._out,
                flush=True,
            )
