"""The business-day calendar's copy of BC's statutory holidays is the `holidays` package's, year by year:
a new version of the package that changes a year fails here until `tools/holiday_table.py` is run."""

from __future__ import annotations

from datetime import date, timedelta

import holidays
import pytest

from peer_support.core import calendar
from peer_support.core.holiday_table import STATUTORY_HOLIDAYS
from peer_support.core.program import HOLIDAY_COUNTRY, HOLIDAY_SUBDIVISION
from tools.holiday_table import FIRST_YEAR, LAST_YEAR, table


def package_holidays(year: int) -> set[date]:
    return set(holidays.country_holidays(HOLIDAY_COUNTRY, subdiv=HOLIDAY_SUBDIVISION, years=year))


@pytest.mark.parametrize("year", range(FIRST_YEAR, LAST_YEAR + 1))
def test_each_year_of_the_table_is_the_packages(year: int) -> None:
    assert set(calendar._statutory_holidays(year)) == package_holidays(year)


def test_the_table_is_what_the_tool_writes() -> None:
    from pathlib import Path

    written = Path(calendar.__file__).with_name("holiday_table.py").read_text()
    assert written == table()
    assert sorted(STATUTORY_HOLIDAYS) == list(range(FIRST_YEAR, LAST_YEAR + 1))


@pytest.mark.parametrize("year", [FIRST_YEAR - 1, LAST_YEAR + 1])
def test_a_year_beyond_the_table_comes_from_the_package(year: int) -> None:
    days = [
        date(year, 1, 1) + timedelta(days=n)
        for n in range(366)
        if (date(year, 1, 1) + timedelta(days=n)).year == year
    ]
    assert {d for d in days if d.weekday() < 5 and not calendar.is_business_day(d)} == {
        d for d in package_holidays(year) if d.weekday() < 5
    }
