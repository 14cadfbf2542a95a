"""Working days as the Freedom of Information Act 2000 counts them, for the due date of a request.

Section 10 gives an authority until "the twentieth working day following the date of receipt", where a
working day is "any day other than a Saturday, a Sunday, Christmas Day, Good Friday or a day which is a bank
holiday ... in any part of the United Kingdom". So a day off only in Scotland (2 January, St Andrew's Day) or
only in Northern Ireland (St Patrick's Day, the Twelfth) is a non-working day everywhere. The date of receipt
itself may be any day; day one is the first working day after it.

Bank holidays come from the maintained ``holidays`` package (one-off days such as jubilees, coronations and
state funerals included), for the four nations together, never from a list kept here.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta

import holidays

UK_NATIONS = ("ENG", "NIR", "SCT", "WLS")
"""The ``holidays`` package's subdivisions of the United Kingdom."""
FOI_WORKING_DAYS = 20
"""Section 10(1): the time for compliance, in working days following the date of receipt."""


@functools.cache
def uk_bank_holidays(year: int) -> dict[date, str]:
    """Every day of ``year`` that is a bank holiday in some part of the United Kingdom, with its names."""
    days: dict[date, set[str]] = {}
    for nation in UK_NATIONS:
        for day, name in holidays.country_holidays("GB", subdiv=nation, years=year).items():
            days.setdefault(day, set()).update(part.strip() for part in name.split(";"))
    return {day: "; ".join(sorted(names)) for day, names in sorted(days.items())}


def is_working_day(day: date) -> bool:
    """False for Saturdays, Sundays and any day that is a bank holiday in any part of the UK."""
    return day.weekday() < 5 and day not in uk_bank_holidays(day.year)


def working_day_after(start: date, count: int) -> date:
    """The ``count``-th working day after ``start`` (``start`` itself is never counted)."""
    if count < 1:
        raise ValueError(f"count working days from 1, got {count}")
    day = start
    remaining = count
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def foi_due_date(received: date) -> date:
    """The statutory due date of a valid request received on ``received`` (any day, working or not)."""
    return working_day_after(received, FOI_WORKING_DAYS)
