"""Times to the second as the sales and billing APIs write them: the same as
`isoformat()[:19]` (a four-digit year, any fraction and offset dropped), then each API's
ending."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from customer_registry.apis.billing_v1.render import timestamp as billing_time
from customer_registry.apis.sales_v1_0.render import timestamp as sales_time

_EAST = timezone(timedelta(hours=2))
_TIMES = [
    datetime(2015, 12, 17, 23, 0, 0),
    datetime(2021, 3, 4, 5, 6, 7, 999999),
    datetime(987, 1, 2, 3, 4, 5),
    datetime(1, 1, 1),
    datetime(9999, 12, 31, 23, 59, 59, 999999),
    datetime(2021, 3, 4, 5, 6, 7, tzinfo=_EAST),
]


@pytest.mark.parametrize("value", _TIMES, ids=str)
def test_each_api_writes_a_time_to_the_second_with_its_own_ending(value: datetime) -> None:
    assert sales_time(value) == value.isoformat()[:19] + "Z"
    assert billing_time(value) == value.isoformat()[:19] + ".000000Z"


def test_no_time_is_none() -> None:
    assert sales_time(None) is None
    assert billing_time(None) is None
