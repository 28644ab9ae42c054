"""Tests for glue_nb.schedule: Glue's 6-field cron dialect (expected times worked out by hand)."""

from __future__ import annotations

import random
import time
from datetime import datetime, timedelta, timezone
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from glue_nb import schedule
from glue_nb.exceptions import GlueNbError, InvalidInputException
from glue_nb.schedule import CronSchedule, next_fire_times, parse, validate

UTC = timezone.utc
# Wednesday 4 March 2026, 09:30 UTC.
AFTER = datetime(2026, 3, 4, 9, 30, tzinfo=UTC)


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0, us: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, us, tzinfo=UTC)


# --------------------------------------------------------------------------- reference §4


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        # 1. 10:00 every day
        (
            "cron(0 10 * * ? *)",
            AFTER,
            [utc(2026, 3, 4, 10), utc(2026, 3, 5, 10), utc(2026, 3, 6, 10)],
        ),
        # 2. 12:15 every day
        ("cron(15 12 * * ? *)", AFTER, [utc(2026, 3, 4, 12, 15), utc(2026, 3, 5, 12, 15)]),
        # 3. 18:00 Monday-Friday: Wed, Thu, Fri, then Monday 9th
        (
            "cron(0 18 ? * MON-FRI *)",
            AFTER,
            [utc(2026, 3, 4, 18), utc(2026, 3, 5, 18), utc(2026, 3, 6, 18), utc(2026, 3, 9, 18)],
        ),
        # 4. 08:00 on the 1st of each month
        (
            "cron(0 8 1 * ? *)",
            AFTER,
            [utc(2026, 4, 1, 8), utc(2026, 5, 1, 8), utc(2026, 6, 1, 8)],
        ),
        # 5. every 15 minutes
        (
            "cron(0/15 * * * ? *)",
            AFTER,
            [utc(2026, 3, 4, 9, 45), utc(2026, 3, 4, 10), utc(2026, 3, 4, 10, 15)],
        ),
        # 6. every 10 minutes on weekdays: Friday night rolls over to Monday 00:00
        (
            "cron(0/10 * ? * MON-FRI *)",
            utc(2026, 3, 6, 23, 45),
            [utc(2026, 3, 6, 23, 50), utc(2026, 3, 9, 0, 0), utc(2026, 3, 9, 0, 10)],
        ),
        # 7. every 5 minutes 08:00-17:55 on weekdays
        (
            "cron(0/5 8-17 ? * MON-FRI *)",
            utc(2026, 3, 6, 17, 52),
            [utc(2026, 3, 6, 17, 55), utc(2026, 3, 9, 8, 0), utc(2026, 3, 9, 8, 5)],
        ),
        # 8. 02:30 on the last day of each month
        (
            "cron(30 2 L * ? *)",
            AFTER,
            [
                utc(2026, 3, 31, 2, 30),
                utc(2026, 4, 30, 2, 30),
                utc(2026, 5, 31, 2, 30),
                utc(2026, 6, 30, 2, 30),
            ],
        ),
        # 9. 06:00 every Monday of Jan/Apr/Jul/Oct
        (
            "cron(0 6 ? JAN,APR,JUL,OCT MON *)",
            AFTER,
            [
                utc(2026, 4, 6, 6),
                utc(2026, 4, 13, 6),
                utc(2026, 4, 20, 6),
                utc(2026, 4, 27, 6),
                utc(2026, 7, 6, 6),
            ],
        ),
        # 10. midnight on the weekday nearest the 15th, 2027 only (15 May 2027 is a Saturday)
        (
            "cron(0 0 15W * ? 2027)",
            AFTER,
            [
                utc(2027, 1, 15),
                utc(2027, 2, 15),
                utc(2027, 3, 15),
                utc(2027, 4, 15),
                utc(2027, 5, 14),
            ],
        ),
    ],
)
def test_reference_examples(expression: str, after: datetime, expected: list[datetime]) -> None:
    assert next_fire_times(expression, after, count=len(expected)) == expected


def test_reference_example_10_ends_with_2027() -> None:
    # 15 Aug 2027 is a Sunday → Monday 16th; after December the schedule is over.
    got = next_fire_times("cron(0 0 15W * ? 2027)", utc(2027, 7, 20), count=10)
    assert got == [
        utc(2027, 8, 16),
        utc(2027, 9, 15),
        utc(2027, 10, 15),
        utc(2027, 11, 15),
        utc(2027, 12, 15),
    ]


# --------------------------------------------------------------------------- calendar edges


def test_day_31_skips_shorter_months() -> None:
    got = next_fire_times("cron(0 0 31 * ? *)", AFTER, count=5)
    assert got == [
        utc(2026, 3, 31),
        utc(2026, 5, 31),
        utc(2026, 7, 31),
        utc(2026, 8, 31),
        utc(2026, 10, 31),
    ]


def test_leap_day() -> None:
    assert next_fire_times("cron(0 0 29 2 ? *)", AFTER, count=2) == [
        utc(2028, 2, 29),
        utc(2032, 2, 29),
    ]
    # 2100 is not a leap year.
    assert next_fire_times("cron(0 0 29 2 ? *)", utc(2096, 3, 1), count=1) == [utc(2104, 2, 29)]


def test_feb_30_parses_but_never_fires() -> None:
    sched = parse("cron(0 0 30 2 ? *)")
    assert sched.next_after(AFTER) is None
    assert next_fire_times("cron(0 0 30 2 ? *)", AFTER) == []
    assert validate("cron(0 0 30 2 ? *)").min_interval() is None


def test_last_day_of_month_in_leap_february() -> None:
    assert next_fire_times("cron(0 0 L * ? *)", utc(2028, 2, 1), count=2) == [
        utc(2028, 2, 29),
        utc(2028, 3, 31),
    ]


def test_last_day_minus_offset() -> None:
    assert next_fire_times("cron(0 0 L-3 * ? *)", AFTER, count=3) == [
        utc(2026, 3, 28),
        utc(2026, 4, 27),
        utc(2026, 5, 28),
    ]


def test_last_friday_6L_and_FRIL() -> None:
    expected = [utc(2026, 3, 27, 12), utc(2026, 4, 24, 12), utc(2026, 5, 29, 12)]
    assert next_fire_times("cron(0 12 ? * 6L *)", AFTER, count=3) == expected
    assert next_fire_times("cron(0 12 ? * FRIL *)", AFTER, count=3) == expected


def test_L_alone_in_day_of_week_is_saturday() -> None:
    assert next_fire_times("cron(0 12 ? * L *)", AFTER, count=2) == [
        utc(2026, 3, 7, 12),
        utc(2026, 3, 14, 12),
    ]


def test_last_weekday_LW() -> None:
    # Jan 31 2026 Sat → Fri 30; Feb 28 Sat → Fri 27; Mar 31 Tue; Apr 30 Thu; May 31 Sun → Fri 29.
    assert next_fire_times("cron(0 0 LW * ? *)", utc(2026, 1, 1), count=5) == [
        utc(2026, 1, 30),
        utc(2026, 2, 27),
        utc(2026, 3, 31),
        utc(2026, 4, 30),
        utc(2026, 5, 29),
    ]


def test_nearest_weekday_W() -> None:
    # 15 Mar 2026 Sunday → Mon 16; 15 Apr Wednesday; 15 Aug Saturday → Fri 14.
    got = next_fire_times("cron(0 0 15W * ? *)", utc(2026, 3, 1), count=6)
    assert got[:2] == [utc(2026, 3, 16), utc(2026, 4, 15)]
    assert next_fire_times("cron(0 0 15W * ? *)", utc(2026, 8, 1), count=1) == [utc(2026, 8, 14)]


def test_nearest_weekday_does_not_cross_month_boundaries() -> None:
    # 1 Aug 2026 is a Saturday → Monday 3rd (not Friday 31 July).
    assert next_fire_times("cron(0 0 1W * ? *)", utc(2026, 7, 15), count=1) == [utc(2026, 8, 3)]
    # 1 Feb 2026 is a Sunday → Monday 2nd.
    assert next_fire_times("cron(0 0 1W * ? *)", utc(2026, 1, 15), count=1) == [utc(2026, 2, 2)]
    # 31 Jan 2027 is a Sunday and the last day → Friday 29th (not Monday 1 Feb).
    assert next_fire_times("cron(0 0 31W * ? *)", utc(2027, 1, 1), count=1) == [utc(2027, 1, 29)]


def test_nth_weekday() -> None:
    expected = [utc(2026, 4, 6, 9), utc(2026, 5, 4, 9), utc(2026, 6, 1, 9)]
    assert next_fire_times("cron(0 9 ? * MON#1 *)", AFTER, count=3) == expected
    assert next_fire_times("cron(0 9 ? * 2#1 *)", AFTER, count=3) == expected
    assert next_fire_times("cron(0 9 ? * mon#1 *)", AFTER, count=3) == expected
    # Fifth Friday: only in months that have one.
    assert next_fire_times("cron(0 0 ? * FRI#5 *)", utc(2026, 1, 1), count=3) == [
        utc(2026, 1, 30),
        utc(2026, 5, 29),
        utc(2026, 7, 31),
    ]


def test_day_of_week_numbers_start_on_sunday_and_step() -> None:
    assert next_fire_times("cron(0 12 ? * 1 *)", AFTER, count=1) == [utc(2026, 3, 8, 12)]
    assert next_fire_times("cron(0 12 ? * 7 *)", AFTER, count=1) == [utc(2026, 3, 7, 12)]
    # 2/2 = MON, WED, FRI
    assert next_fire_times("cron(0 12 ? * 2/2 *)", AFTER, count=3) == [
        utc(2026, 3, 4, 12),
        utc(2026, 3, 6, 12),
        utc(2026, 3, 9, 12),
    ]


def test_names_are_case_insensitive() -> None:
    lower = next_fire_times("cron(0 6 ? jan,Apr mon-fri *)", AFTER, count=4)
    upper = next_fire_times("cron(0 6 ? JAN,APR MON-FRI *)", AFTER, count=4)
    assert lower == upper
    assert upper == [utc(2026, 4, 1, 6), utc(2026, 4, 2, 6), utc(2026, 4, 3, 6), utc(2026, 4, 6, 6)]


def test_lists_ranges_steps() -> None:
    assert next_fire_times("cron(5,20-22,50/5 10 * * ? *)", AFTER, count=7) == [
        utc(2026, 3, 4, 10, 5),
        utc(2026, 3, 4, 10, 20),
        utc(2026, 3, 4, 10, 21),
        utc(2026, 3, 4, 10, 22),
        utc(2026, 3, 4, 10, 50),
        utc(2026, 3, 4, 10, 55),
        utc(2026, 3, 5, 10, 5),
    ]
    assert next_fire_times("cron(0 0 1/10 * ? *)", AFTER, count=3) == [
        utc(2026, 3, 11),
        utc(2026, 3, 21),
        utc(2026, 3, 31),
    ]
    assert next_fire_times("cron(0 0 1 1/3 ? *)", AFTER, count=2) == [
        utc(2026, 4, 1),
        utc(2026, 7, 1),
    ]


# --------------------------------------------------------------------------- years


def test_year_range_that_ends_returns_fewer() -> None:
    assert next_fire_times("cron(0 12 1 * ? 2026-2027)", utc(2027, 10, 15), count=5) == [
        utc(2027, 11, 1, 12),
        utc(2027, 12, 1, 12),
    ]


def test_year_in_the_past_is_valid_but_never_fires() -> None:
    sched = validate("cron(0 12 * * ? 2020)")
    assert sched.next_after(AFTER) is None
    assert list(sched.iter_after(AFTER)) == []


def test_year_list_and_step() -> None:
    assert next_fire_times("cron(0 0 1 1 ? 2026/4)", AFTER, count=2) == [
        utc(2030, 1, 1),
        utc(2034, 1, 1),
    ]
    assert next_fire_times("cron(0 0 1 1 ? 2027,2029)", AFTER, count=5) == [
        utc(2027, 1, 1),
        utc(2029, 1, 1),
    ]


def test_search_stops_after_2199() -> None:
    assert next_fire_times("cron(0 0 1 1 ? *)", utc(2198, 6, 1), count=5) == [utc(2199, 1, 1)]
    assert parse("cron(0 0 1 1 ? *)").next_after(utc(2300, 1, 1)) is None


# --------------------------------------------------------------------------- semantics


def test_strictly_after() -> None:
    sched = parse("cron(0 10 * * ? *)")
    assert sched.next_after(utc(2026, 3, 4, 10, 0)) == utc(2026, 3, 5, 10)
    assert sched.next_after(utc(2026, 3, 4, 9, 59, 59, 999999)) == utc(2026, 3, 4, 10)
    assert sched.next_after(utc(2026, 3, 4, 10, 0, 0, 1)) == utc(2026, 3, 5, 10)


def test_results_are_utc_aware_and_naive_input_is_utc() -> None:
    got = next_fire_times("cron(0 10 * * ? *)", datetime(2026, 3, 4, 9, 30), count=1)
    assert got == [utc(2026, 3, 4, 10)]
    assert got[0].tzinfo is UTC
    # An aware non-UTC `after` is converted: 11:00 Paris (CET) = 10:00 UTC.
    paris = datetime(2026, 3, 4, 11, 0, tzinfo=ZoneInfo("Europe/Paris"))
    assert next_fire_times("cron(0 10 * * ? *)", paris, count=1) == [utc(2026, 3, 5, 10)]


def test_iter_after_is_ascending_and_consistent() -> None:
    sched = parse("cron(0/10 * ? * MON-FRI *)")
    it = sched.iter_after(AFTER)
    got = [next(it) for _ in range(20)]
    assert got == next_fire_times("cron(0/10 * ? * MON-FRI *)", AFTER, count=20)
    assert all(b - a == timedelta(minutes=10) for a, b in pairwise(got))


def test_default_after_uses_injectable_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    assert next_fire_times("cron(0 10 * * ? *)", count=1, now=lambda: AFTER) == [
        utc(2026, 3, 4, 10)
    ]
    monkeypatch.setattr(schedule, "utcnow", lambda: utc(2026, 3, 4, 10, 0))
    assert next_fire_times("cron(0 10 * * ? *)", count=1) == [utc(2026, 3, 5, 10)]


def test_count_zero_and_negative() -> None:
    assert next_fire_times("cron(0 10 * * ? *)", AFTER, count=0) == []
    with pytest.raises(InvalidInputException, match="count"):
        next_fire_times("cron(0 10 * * ? *)", AFTER, count=-1)


def test_cron_schedule_is_frozen_and_comparable() -> None:
    a, b = parse("cron(0 10 * * ? *)"), parse("cron(0 10 * * ? *)")
    assert isinstance(a, CronSchedule)
    assert a == b and hash(a) == hash(b)
    assert a.expression == "cron(0 10 * * ? *)" and a.tz == "UTC"
    with pytest.raises(AttributeError):
        a.expression = "x"  # type: ignore[misc]


# --------------------------------------------------------------------------- time zones


def test_tz_across_spring_forward() -> None:
    # Paris: CET (UTC+1) until 29 Mar 2026 01:00 UTC, then CEST (UTC+2).
    got = next_fire_times("cron(0 10 * * ? *)", utc(2026, 3, 27), count=4, tz="Europe/Paris")
    assert got == [
        utc(2026, 3, 27, 9),
        utc(2026, 3, 28, 9),
        utc(2026, 3, 29, 8),
        utc(2026, 3, 30, 8),
    ]
    assert parse("cron(0 10 * * ? *)", tz="Europe/Paris").tz == "Europe/Paris"


def test_tz_across_fall_back() -> None:
    # CEST ends 25 Oct 2026 01:00 UTC.
    got = next_fire_times("cron(0 10 * * ? *)", utc(2026, 10, 24), count=2, tz="Europe/Paris")
    assert got == [utc(2026, 10, 24, 8), utc(2026, 10, 25, 9)]


def test_tz_nonexistent_local_time_is_skipped() -> None:
    # 02:30 does not exist in Paris on 29 Mar 2026.
    got = next_fire_times("cron(30 2 * * ? *)", utc(2026, 3, 28), count=2, tz="Europe/Paris")
    assert got == [utc(2026, 3, 28, 1, 30), utc(2026, 3, 30, 0, 30)]


def test_tz_repeated_local_time_fires_once() -> None:
    # 02:30 happens twice in Paris on 25 Oct 2026 (00:30 and 01:30 UTC): fire at the first only.
    got = next_fire_times("cron(30 2 * * ? *)", utc(2026, 10, 24, 12), count=2, tz="Europe/Paris")
    assert got == [utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)]
    # Asking from inside the repeated hour does not produce the second 02:30.
    got = next_fire_times(
        "cron(30 2 * * ? *)", utc(2026, 10, 25, 0, 45), count=1, tz="Europe/Paris"
    )
    assert got == [utc(2026, 10, 26, 1, 30)]


def test_unknown_tz() -> None:
    with pytest.raises(InvalidInputException, match="Mars/Olympus_Mons"):
        parse("cron(0 10 * * ? *)", tz="Mars/Olympus_Mons")


# --------------------------------------------------------------------------- errors


def _error(expression: str) -> str:
    with pytest.raises(InvalidInputException) as info:
        parse(expression)
    exc = info.value
    assert isinstance(exc, GlueNbError)
    assert exc.response["Error"]["Code"] == "InvalidInputException"
    assert f"'{expression}'" in exc.message  # the whole expression is quoted
    return exc.message


def test_error_both_star() -> None:
    assert _error("cron(0 10 * * * *)") == (
        "Invalid schedule expression 'cron(0 10 * * * *)': Day-of-month and Day-of-week "
        "cannot both be '*'; one of them must be '?'"
    )


def test_error_both_question_marks() -> None:
    msg = _error("cron(0 10 ? * ? *)")
    assert "Day-of-month and Day-of-week cannot both be '?'" in msg


def test_error_both_specified() -> None:
    msg = _error("cron(0 10 1 * MON *)")
    assert "Day-of-month ('1') and Day-of-week ('MON') cannot both be specified" in msg
    assert "must be '?'" in msg


def test_error_field_count() -> None:
    msg = _error("cron(0 10 * * ?)")
    assert "expected 6 fields" in msg and "found 5" in msg
    assert "Minutes Hours Day-of-month Month Day-of-week Year" in msg
    assert "Year field is required" in msg
    assert "found 7" in _error("cron(0 0 10 * * ? *)")


def test_error_not_cron() -> None:
    assert "only cron expressions" in _error("rate(5 minutes)")
    assert "only cron expressions" in _error("0 10 * * ? *")


@pytest.mark.parametrize(
    ("expression", "field", "token", "valid"),
    [
        ("cron(60 10 * * ? *)", "Minutes", "60", "0-59"),
        ("cron(0 24 * * ? *)", "Hours", "24", "0-23"),
        ("cron(0 10 32 * ? *)", "Day-of-month", "32", "1-31"),
        ("cron(0 10 0 * ? *)", "Day-of-month", "0", "1-31"),
        ("cron(0 10 1 13 ? *)", "Month", "13", "1-12"),
        ("cron(0 10 ? * 8 *)", "Day-of-week", "8", "1-7"),
        ("cron(0 10 ? * 0 *)", "Day-of-week", "0", "1-7"),
        ("cron(0 10 * * ? 2200)", "Year", "2200", "1970-2199"),
        ("cron(0 10 * * ? 1969-1975)", "Year", "1969", "1970-2199"),
        ("cron(0 10 32W * ? *)", "Day-of-month", "32", "1-31"),
        ("cron(0 10 ? * 9L *)", "Day-of-week", "9", "1-7"),
    ],
)
def test_error_out_of_range(expression: str, field: str, token: str, valid: str) -> None:
    msg = _error(expression)
    assert f"{field} value '{token}'" in msg
    assert "out of range" in msg and valid in msg


@pytest.mark.parametrize(
    ("expression", "field", "token"),
    [
        ("cron(0/0 10 * * ? *)", "Minutes", "0"),
        ("cron(*/60 10 * * ? *)", "Minutes", "60"),
        ("cron(0 */x * * ? *)", "Hours", "x"),
        ("cron(0 10 1/ * ? *)", "Day-of-month", ""),
        ("cron(0 10 * * ? 2026/0)", "Year", "0"),
    ],
)
def test_error_bad_step(expression: str, field: str, token: str) -> None:
    msg = _error(expression)
    assert f"{field} increment '{token}'" in msg and "whole number from 1 to" in msg


@pytest.mark.parametrize(
    ("expression", "field", "token"),
    [
        ("cron(0 10 ? * FUN *)", "Day-of-week", "FUN"),
        ("cron(0 10 1 JANUARY ? *)", "Month", "JANUARY"),
        ("cron(0 10 1 FOO-DEC ? *)", "Month", "FOO"),
        ("cron(0 MON * * ? *)", "Hours", "MON"),
        ("cron(x 10 * * ? *)", "Minutes", "x"),
        ("cron(0 10 * * ? abc)", "Year", "abc"),
    ],
)
def test_error_unknown_value(expression: str, field: str, token: str) -> None:
    msg = _error(expression)
    assert f"{field} value '{token}'" in msg
    assert "not a valid" in msg or "not valid" in msg


def test_error_names_valid_alternatives() -> None:
    assert "SUN-SAT (1 = SUN)" in _error("cron(0 10 ? * FUN *)")
    assert "JAN-DEC" in _error("cron(0 10 1 JANUARY ? *)")


@pytest.mark.parametrize(
    ("expression", "fragments"),
    [
        ("cron(? 10 * * ? *)", ["Minutes field cannot be '?'", "only allowed in Day-of-month"]),
        ("cron(0 10 ? * FRI-MON *)", ["Day-of-week range 'FRI-MON'", "must not be after"]),
        ("cron(0 10-8 * * ? *)", ["Hours range '10-8'", "must not be after"]),
        ("cron(1,,2 10 * * ? *)", ["Minutes field '1,,2' has an empty list item"]),
        ("cron(0 10 1,? * ? *)", ["Day-of-month field '1,?'", "whole field"]),
        ("cron(0 10 ? * MON#6 *)", ["Day-of-week item 'MON#6'", "1-5"]),
        ("cron(0 10 ? * MON#x *)", ["Day-of-week item 'MON#x'", "1-5"]),
        ("cron(0 10 1#2 * ? *)", ["Day-of-month item '1#2'", "only allowed in Day-of-week"]),
        ("cron(0 10 ? * 2W *)", ["Day-of-week item '2W'", "only allowed in Day-of-month"]),
        ("cron(0 10 L-31 * ? *)", ["Day-of-month offset 'L-31'", "0 to 30"]),
        ("cron(0 10 1-5W * ? *)", ["Day-of-month item '1-5W'", "single day"]),
        ("cron(0 10 * L ? *)", ["Month value 'L'", "not a valid month"]),
        ("cron(L 10 * * ? *)", ["Minutes value 'L'", "expected a number 0-59"]),
        ("cron(0 10 * * ? 1-2-3)", ["Year item '1-2-3'", "not valid"]),
    ],
)
def test_error_other_rules(expression: str, fragments: list[str]) -> None:
    msg = _error(expression)
    for fragment in fragments:
        assert fragment in msg


# --------------------------------------------------------------------------- minimum interval


@pytest.fixture
def no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(schedule.MIN_INTERVAL_ENV, raising=False)


@pytest.mark.usefixtures("no_env")
def test_five_minutes_is_allowed() -> None:
    assert validate("cron(0/5 8-17 ? * MON-FRI *)").min_interval() == timedelta(minutes=5)
    assert validate("cron(0 10 * * ? *)").min_interval() == timedelta(days=1)


@pytest.mark.usefixtures("no_env")
def test_faster_than_five_minutes_is_rejected() -> None:
    with pytest.raises(InvalidInputException) as info:
        validate("cron(0/4 * * * ? *)")
    msg = info.value.message
    assert "'cron(0/4 * * * ? *)'" in msg
    assert "every 4 minutes" in msg and "minimum of 5 minutes" in msg
    assert "GLUE_NB_MIN_SCHEDULE_INTERVAL_MINUTES" in msg


@pytest.mark.usefixtures("no_env")
@pytest.mark.parametrize(
    ("expression", "gap_minutes"),
    [
        ("cron(* * * * ? *)", 1),
        ("cron(0,58 * * * ? *)", 2),  # 10:58 → 11:00
        ("cron(0,59 0,23 * * ? *)", 1),  # 23:59 → 00:00 next day
        ("cron(0,59 0,23 1,L * ? *)", 1),  # 31 Jan 23:59 → 1 Feb 00:00: needs the calendar scan
        ("cron(58 23 ? * SAT *)", 7 * 1440),
        ("cron(0 8 1 * ? *)", 28 * 1440),  # 1 Feb → 1 Mar in a common year
    ],
)
def test_min_interval_is_exact(expression: str, gap_minutes: int) -> None:
    assert parse(expression).min_interval() == timedelta(minutes=gap_minutes)
    if gap_minutes < 5:
        with pytest.raises(InvalidInputException, match=f"every {gap_minutes} minute"):
            validate(expression)
    else:
        validate(expression)


def test_min_interval_none_when_firing_at_most_once() -> None:
    assert parse("cron(0 0 1 1 ? 2030)").min_interval() is None


def test_min_interval_env_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(schedule.MIN_INTERVAL_ENV, "0")
    assert validate("cron(* * * * ? *)").expression == "cron(* * * * ? *)"
    monkeypatch.setenv(schedule.MIN_INTERVAL_ENV, "1.5")
    validate("cron(0/2 * * * ? *)")
    with pytest.raises(InvalidInputException, match=r"minimum of 1\.5 minutes"):
        validate("cron(* * * * ? *)")
    monkeypatch.setenv(schedule.MIN_INTERVAL_ENV, "10")
    with pytest.raises(InvalidInputException, match="every 5 minutes"):
        validate("cron(0/5 * * * ? *)")


def test_min_interval_keyword_beats_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(schedule.MIN_INTERVAL_ENV, "60")
    validate("cron(* * * * ? *)", min_interval_minutes=0)
    with pytest.raises(InvalidInputException, match="every 1 minute,"):
        validate("cron(* * * * ? *)", min_interval_minutes=2)


def test_min_interval_env_invalid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(schedule.MIN_INTERVAL_ENV, "soon")
    with pytest.raises(InvalidInputException, match="GLUE_NB_MIN_SCHEDULE_INTERVAL_MINUTES"):
        validate("cron(0 10 * * ? *)")


def test_validate_still_parses() -> None:
    with pytest.raises(InvalidInputException, match="cannot both be"):
        validate("cron(0 10 * * * *)", min_interval_minutes=0)


# --------------------------------------------------------------------------- speed, cross-check


def test_thousand_next_fire_computations_are_fast() -> None:
    sched = parse("cron(0/5 8-17 ? * MON-FRI *)")
    paris = parse("cron(0 0 15W * ? *)", tz="Europe/Paris")
    start = time.perf_counter()
    dt = AFTER
    for _ in range(1000):
        dt = sched.next_after(dt)  # type: ignore[assignment]
    dt2 = AFTER
    for _ in range(1000):
        dt2 = paris.next_after(dt2)  # type: ignore[assignment]
    assert time.perf_counter() - start < 1.0
    assert dt is not None and dt2 is not None


def _random_field(rng: random.Random, lo: int, hi: int) -> tuple[str, str]:
    """A random list of values/ranges/steps, rendered for glue-nb and for croniter (shift)."""
    shift = 1 if (lo, hi) == (1, 7) else 0  # croniter's day-of-week is 0-6, Sunday = 0
    parts: list[tuple[str, str]] = []
    for _ in range(rng.randint(1, 3)):
        a, b = sorted(rng.sample(range(lo, hi + 1), 2))
        step = rng.randint(1, max(1, (hi - lo) // 2))
        kind = rng.choice(["value", "range", "step", "star_step", "range_step"])
        if kind == "value":
            parts.append((f"{a}", f"{a - shift}"))
        elif kind == "range":
            parts.append((f"{a}-{b}", f"{a - shift}-{b - shift}"))
        elif kind == "step":
            parts.append((f"{a}/{step}", f"{a - shift}-{hi - shift}/{step}"))
        elif kind == "star_step":
            parts.append((f"*/{step}", f"*/{step}"))
        else:
            parts.append((f"{a}-{b}/{step}", f"{a - shift}-{b - shift}/{step}"))
    return ",".join(p[0] for p in parts), ",".join(p[1] for p in parts)


def test_matches_croniter_on_the_common_subset() -> None:
    croniter = pytest.importorskip("croniter").croniter
    rng = random.Random(20260304)
    for _ in range(60):
        minute = _random_field(rng, 0, 59)
        hour = _random_field(rng, 0, 23)
        month = _random_field(rng, 1, 12)
        if rng.random() < 0.5:
            dom, dow = _random_field(rng, 1, 31), ("?", "*")
        else:
            dom, dow = ("?", "*"), _random_field(rng, 1, 7)
        glue = f"cron({minute[0]} {hour[0]} {dom[0]} {month[0]} {dow[0]} *)"
        unix = f"{minute[1]} {hour[1]} {dom[1]} {month[1]} {dow[1]}"
        start = datetime(2026, 1, 1, 0, 0, 30, tzinfo=UTC)
        it = croniter(unix, start)
        expected = [it.get_next(datetime).astimezone(UTC) for _ in range(15)]
        assert next_fire_times(glue, start, count=15) == expected, (glue, unix)
