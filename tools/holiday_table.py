"""Write `layers/common/peer_support/core/holiday_table.py`: BC's statutory holidays, year by year, as the
`holidays` package gives them (observed days included).

    PYTHONPATH=layers/common:. python tools/holiday_table.py

The business-day calendar reads that table instead of the package for the years it covers: the package
loads every country's calendar with the first one asked for, which is about 200 ms of CPU in a function's
cold start. `tests/unit/test_holiday_table.py` checks the table against the package, so a new version of
the package (a holiday added by law) shows as a failing test until this is run again.
"""

from __future__ import annotations

from pathlib import Path

import holidays

from peer_support.core.program import HOLIDAY_COUNTRY, HOLIDAY_SUBDIVISION

FIRST_YEAR, LAST_YEAR = 2025, 2045
TABLE = Path(__file__).resolve().parent.parent / "layers/common/peer_support/core/holiday_table.py"
HEADER = '''"""BC's statutory holidays by year (month-day), observed days included, as the `holidays` package
gives them. Written by `tools/holiday_table.py` and checked by `tests/unit/test_holiday_table.py`.
"""

STATUTORY_HOLIDAYS: dict[int, str] = {
'''


def year_of_holidays(year: int) -> str:
    found = holidays.country_holidays(HOLIDAY_COUNTRY, subdiv=HOLIDAY_SUBDIVISION, years=year)
    return " ".join(day.strftime("%m-%d") for day in sorted(found))


def table() -> str:
    rows = [f'    {year}: "{year_of_holidays(year)}",' for year in range(FIRST_YEAR, LAST_YEAR + 1)]
    return HEADER + "\n".join(rows) + "\n}\n"


if __name__ == "__main__":
    TABLE.write_text(table())
    print(f"Wrote {TABLE.name}: {FIRST_YEAR} to {LAST_YEAR}")
