"""FOI due dates: the twentieth working day after receipt, a working day being no weekend day and no bank
holiday in any part of the UK. Every expected date below was counted by hand on a calendar."""

from __future__ import annotations

from datetime import date

import pytest

from watchkeeper.governance.workdays import foi_due_date, is_working_day, uk_bank_holidays, working_day_after


@pytest.mark.parametrize(
    ("received", "due", "why"),
    [
        (date(2023, 4, 3), date(2023, 5, 4), "Easter 2023 (Good Friday 7 Apr, Easter Monday 10 Apr) and 1 May"),
        (date(2022, 12, 16), date(2023, 1, 19), "Christmas 2022 (26, 27 Dec), New Year (2 Jan) and Scotland's 3 Jan"),
        (date(2023, 7, 28), date(2023, 8, 29), "Scotland-only summer bank holiday 7 Aug, England's 28 Aug"),
        (date(2023, 7, 3), date(2023, 8, 1), "Northern-Ireland-only Battle of the Boyne, 12 Jul"),
        (date(2022, 5, 27), date(2022, 6, 28), "one-off: the Platinum Jubilee, 2 and 3 Jun 2022"),
        (date(2023, 4, 28), date(2023, 5, 31), "one-off: the coronation, 8 May 2023, between two May holidays"),
        (date(2023, 9, 9), date(2023, 10, 6), "received on a Saturday: day one is Monday"),
        (date(2023, 9, 10), date(2023, 10, 6), "received on a Sunday: day one is Monday"),
        (date(2023, 9, 8), date(2023, 10, 6), "received on a Friday: day one is also Monday"),
        (date(2023, 9, 11), date(2023, 10, 9), "received on a Monday: day one is Tuesday"),
        (date(2023, 5, 1), date(2023, 5, 31), "received on a bank holiday: day one is the next working day"),
    ],
)
def test_due_dates(received: date, due: date, why: str) -> None:
    assert foi_due_date(received) == due, why


@pytest.mark.parametrize(
    ("day", "nation"),
    [
        (date(2022, 11, 30), "Scotland: St Andrew's Day"),
        (date(2023, 1, 3), "Scotland: 2 January holiday, moved"),
        (date(2023, 3, 17), "Northern Ireland: St Patrick's Day"),
        (date(2023, 7, 12), "Northern Ireland: Battle of the Boyne"),
        (date(2022, 9, 19), "everywhere: the Queen's state funeral"),
        (date(2022, 12, 27), "everywhere: Christmas Day (substitute day)"),
    ],
)
def test_a_holiday_in_one_nation_is_a_non_working_day_everywhere(day: date, nation: str) -> None:
    assert day.weekday() < 5
    assert not is_working_day(day), nation
    assert day in uk_bank_holidays(day.year)


def test_ordinary_days_and_counting() -> None:
    assert is_working_day(date(2023, 3, 16))
    assert not is_working_day(date(2023, 3, 18))  # a Saturday
    assert working_day_after(date(2023, 3, 16), 1) == date(2023, 3, 20)  # over St Patrick's Day and a weekend
    with pytest.raises(ValueError, match="count working days from 1"):
        working_day_after(date(2023, 3, 16), 0)
