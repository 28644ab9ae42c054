"""Glue's cron dialect for SCHEDULED triggers: parsing, validation and next fire times.

An expression looks like ``cron(Minutes Hours Day-of-month Month Day-of-week Year)``:

============  ==================  =====================
field         values              special characters
============  ==================  =====================
Minutes       0-59                ``, - * /``
Hours         0-23                ``, - * /``
Day-of-month  1-31                ``, - * / ? L L-n W LW``
Month         1-12, JAN-DEC       ``, - * /``
Day-of-week   1-7, SUN-SAT        ``, - * / ? L nL n#k``
Year          1970-2199           ``, - * /``
============  ==================  =====================

Day-of-week 1 is Sunday. Exactly one of Day-of-month and Day-of-week must be ``?``.
``L`` is the last day of the month (``L-3``: three days before it), ``15W`` the weekday nearest
the 15th without leaving the month, ``LW`` the last weekday of the month; in Day-of-week ``L``
alone is Saturday (7), ``6L`` the last Friday of the month and ``MON#1`` (or ``2#1``) the first
Monday. Names are case-insensitive.

Times are UTC, as in Glue. Beyond Glue, a schedule may be evaluated in an IANA time zone (``tz``);
like EventBridge Scheduler, a local time that does not exist (spring forward) is skipped and a
local time that occurs twice (fall back) fires once, at its first occurrence.

The evaluator walks the calendar directly (year → month → day → hour → minute, each a sorted
list), so every search is bounded by the Year field (at most 2199) and never loops forever.
"""

from __future__ import annotations

import calendar
import os
import re
from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone, tzinfo
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from glue_nb.exceptions import InvalidInputException

__all__ = [
    "DEFAULT_MIN_INTERVAL_MINUTES",
    "FIELD_NAMES",
    "MIN_INTERVAL_ENV",
    "CronSchedule",
    "next_fire_times",
    "parse",
    "utcnow",
    "validate",
]

FIELD_NAMES = ("Minutes", "Hours", "Day-of-month", "Month", "Day-of-week", "Year")
"""The six fields of a Glue cron expression, in order."""

MIN_INTERVAL_ENV = "GLUE_NB_MIN_SCHEDULE_INTERVAL_MINUTES"
"""Environment variable overriding Glue's minimum interval between fires (minutes, float)."""

DEFAULT_MIN_INTERVAL_MINUTES = 5.0
"""Glue rejects schedules that fire more often than every 5 minutes."""

_FORM = "cron(Minutes Hours Day-of-month Month Day-of-week Year)"
_MONTHS = {
    name: i
    for i, name in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1
    )
}
_DAYS = {name: i for i, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), 1)}
_BOUNDS = {
    "Minutes": (0, 59),
    "Hours": (0, 23),
    "Day-of-month": (1, 31),
    "Month": (1, 12),
    "Day-of-week": (1, 7),
    "Year": (1970, 2199),
}
_NAMES = {"Month": _MONTHS, "Day-of-week": _DAYS}
_NAME_HINT = {"Month": " or JAN-DEC", "Day-of-week": " or SUN-SAT (1 = SUN)"}
_UTC = timezone.utc
_MIN_YEAR, _MAX_YEAR = _BOUNDS["Year"]
_TOKEN = re.compile(r"^(?P<base>\*|[0-9A-Za-z]+(?:-[0-9A-Za-z]+)?)(?:/(?P<step>[^/]*))?$")


def utcnow() -> datetime:
    """The current time, tz-aware UTC (module-level so tests can replace it)."""
    return datetime.now(_UTC)


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class _DayOfMonth:
    """A parsed Day-of-month field (not ``?``)."""

    days: frozenset[int] = frozenset()  # plain days 1-31
    last_offsets: frozenset[int] = frozenset()  # L → 0, L-3 → 3
    nearest_weekday: frozenset[int] = frozenset()  # 15W → 15
    last_weekday: bool = False  # LW


@dataclass(frozen=True)
class _DayOfWeek:
    """A parsed Day-of-week field (not ``?``); days are 1 = SUN … 7 = SAT."""

    days: frozenset[int] = frozenset()  # plain weekdays (L alone = 7)
    last: frozenset[int] = frozenset()  # 6L → 6: last such weekday of the month
    nth: frozenset[tuple[int, int]] = frozenset()  # MON#1 → (2, 1)


@dataclass(frozen=True)
class CronSchedule:
    """A parsed Glue cron expression; build it with :func:`parse` or :func:`validate`."""

    expression: str
    tz: str
    minutes: tuple[int, ...] = field(repr=False)
    hours: tuple[int, ...] = field(repr=False)
    day_of_month: _DayOfMonth | None = field(repr=False)
    months: tuple[int, ...] = field(repr=False)
    day_of_week: _DayOfWeek | None = field(repr=False)
    years: tuple[int, ...] = field(repr=False)
    _zone: tzinfo = field(init=False, repr=False, compare=False)
    _day_cache: dict[tuple[int, int], tuple[int, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "_zone", _zone(self.tz)[1])

    # ---------------------------------------------------------------- fire times

    def next_after(self, dt: datetime) -> datetime | None:
        """The first fire strictly after ``dt`` (naive = UTC) as tz-aware UTC; ``None`` if none."""
        after = _as_utc(dt)
        if after.year < _MIN_YEAR:
            after = datetime(_MIN_YEAR - 1, 12, 30, tzinfo=_UTC)
        if after.year > _MAX_YEAR:
            return None
        zone = self._zone
        if zone is _UTC:
            start = after.replace(tzinfo=None, second=0, microsecond=0) + timedelta(minutes=1)
            for wall in self._walk(start):
                return wall.replace(tzinfo=_UTC)
            return None
        local = after.astimezone(zone).replace(tzinfo=None, fold=0)
        start = local.replace(second=0, microsecond=0) + timedelta(minutes=1)
        for wall in self._walk(start):
            instant = wall.replace(tzinfo=zone).astimezone(_UTC)  # fold=0: first occurrence
            if instant.astimezone(zone).replace(tzinfo=None) != wall:
                continue  # skipped by a spring-forward transition
            if instant > after:  # a repeated (fall-back) wall time after its first occurrence
                return instant
        return None

    def iter_after(self, dt: datetime) -> Iterator[datetime]:
        """Fire times strictly after ``dt``, ascending, tz-aware UTC, until the schedule ends."""
        current = self.next_after(dt)
        while current is not None:
            yield current
            current = self.next_after(current)

    def min_interval(self) -> timedelta | None:
        """The shortest gap between two consecutive fires; ``None`` if it fires at most once.

        Computed exactly from the fields rather than by sampling: the smallest of the gap between
        consecutive minutes, between the last minute of one hour and the first of the next chosen
        hour, and between the last fire of a day and the first fire of the next firing day (every
        firing date over the whole Year range is scanned for the closest pair). Gaps are measured
        on the schedule's wall clock, so with a ``tz`` a DST change can shorten one of them.
        """
        minutes, hours = self.minutes, self.hours
        day_gap, firing_days = self._min_day_gap()
        if firing_days == 0:
            return None
        gaps: list[int] = []
        if len(minutes) > 1:
            gaps.append(min(b - a for a, b in pairwise(minutes)))
        if len(hours) > 1:
            hour_gap = min(b - a for a, b in pairwise(hours))
            gaps.append(hour_gap * 60 - minutes[-1] + minutes[0])
        if day_gap is not None:
            last = hours[-1] * 60 + minutes[-1]
            first = hours[0] * 60 + minutes[0]
            gaps.append(day_gap * 1440 - last + first)
        return timedelta(minutes=min(gaps)) if gaps else None

    # ---------------------------------------------------------------- internals

    def _walk(self, start: datetime) -> Iterator[datetime]:
        """Matching wall-clock minutes at or after naive ``start``, ascending."""
        years, months, hours, minutes = self.years, self.months, self.hours, self.minutes
        y0, mo0, d0, h0, mi0 = start.year, start.month, start.day, start.hour, start.minute
        for y in years[bisect_left(years, y0) :]:
            first_y = y == y0
            for mo in months[bisect_left(months, mo0) :] if first_y else months:
                first_mo = first_y and mo == mo0
                days = self._days(y, mo)
                for d in days[bisect_left(days, d0) :] if first_mo else days:
                    first_d = first_mo and d == d0
                    for h in hours[bisect_left(hours, h0) :] if first_d else hours:
                        first_h = first_d and h == h0
                        for mi in minutes[bisect_left(minutes, mi0) :] if first_h else minutes:
                            yield datetime(y, mo, d, h, mi)

    def _days(self, year: int, month: int) -> tuple[int, ...]:
        """The days of ``year``-``month`` on which the schedule fires (cached)."""
        key = (year, month)
        cached = self._day_cache.get(key)
        if cached is None:
            cached = self._day_cache[key] = self._compute_days(year, month)
        return cached

    def _compute_days(self, year: int, month: int) -> tuple[int, ...]:
        first_weekday, ndays = calendar.monthrange(year, month)  # Monday = 0
        first = (first_weekday + 1) % 7 + 1  # Glue weekday of the 1st: 1 = SUN … 7 = SAT

        def weekday(day: int) -> int:
            return (first + day - 2) % 7 + 1

        out: set[int] = set()
        dom, dow = self.day_of_month, self.day_of_week
        if dom is not None:
            out.update(d for d in dom.days if d <= ndays)
            out.update(ndays - k for k in dom.last_offsets if ndays - k >= 1)
            for d in dom.nearest_weekday:
                if d > ndays:
                    continue  # like a plain day 31: skipped in shorter months
                wd = weekday(d)
                if wd == 7:  # Saturday → Friday, or Monday the 3rd if the 1st
                    d = d + 2 if d == 1 else d - 1
                elif wd == 1:  # Sunday → Monday, or Friday if the last day
                    d = d - 2 if d == ndays else d + 1
                out.add(d)
            if dom.last_weekday:
                wd = weekday(ndays)
                out.add(ndays - 1 if wd == 7 else ndays - 2 if wd == 1 else ndays)
        if dow is not None:
            for d in range(1, ndays + 1):
                wd = weekday(d)
                if (
                    wd in dow.days
                    or (wd in dow.last and d + 7 > ndays)
                    or (wd, (d - 1) // 7 + 1) in dow.nth
                ):
                    out.add(d)
        return tuple(sorted(out))

    def _min_day_gap(self) -> tuple[int | None, int]:
        """(smallest gap in days between consecutive firing dates or None, firing dates seen)."""
        best: int | None = None
        prev: int | None = None
        seen = 0
        for y in self.years:
            for mo in self.months:
                for d in self._compute_days(y, mo):
                    ordinal = date(y, mo, d).toordinal()
                    seen += 1
                    if prev is not None:
                        gap = ordinal - prev
                        if best is None or gap < best:
                            best = gap
                            if best == 1:
                                return best, seen
                    prev = ordinal
        return best, seen


# --------------------------------------------------------------------------- parsing


class _FieldError(Exception):
    """Raised inside field parsers; turned into an InvalidInputException by parse()."""


def _as_utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=_UTC) if dt.tzinfo is None else dt.astimezone(_UTC)


def _number(name: str, token: str, text: str) -> int:
    """A value of field ``name`` (digits, or a month/day name where allowed)."""
    lo, hi = _BOUNDS[name]
    names = _NAMES.get(name, {})
    upper = text.upper()
    if upper in names:
        return names[upper]
    if not text.isdigit() or not text.isascii():
        if names:
            kind = "month" if name == "Month" else "day"
            raise _FieldError(
                f"{name} value '{text}' in '{token}' is not a valid {kind}; "
                f"use {lo}-{hi}{_NAME_HINT[name]}"
            )
        raise _FieldError(
            f"{name} value '{text}' in '{token}' is not valid; expected a number {lo}-{hi}, "
            f"'*', or a list (,), range (-) or increment (/) of them"
        )
    value = int(text)
    if not lo <= value <= hi:
        raise _FieldError(
            f"{name} value '{text}' in '{token}' is out of range; valid values are "
            f"{lo}-{hi}{_NAME_HINT.get(name, '')}"
        )
    return value


def _plain_item(name: str, token: str) -> set[int]:
    """One list item made of ``*``, values, ``a-b`` and ``/step``."""
    lo, hi = _BOUNDS[name]
    m = _TOKEN.match(token)
    if m is None:
        raise _FieldError(
            f"{name} item '{token}' is not valid; expected a number {lo}-{hi}"
            f"{_NAME_HINT.get(name, '')}, '*', a range 'a-b' or an increment 'a/n'"
        )
    base, step_text = m.group("base"), m.group("step")
    if base == "*":
        start, end = lo, hi
    elif "-" in base:
        a, b = base.split("-")
        start, end = _number(name, token, a), _number(name, token, b)
        if start > end:
            raise _FieldError(
                f"{name} range '{token}' is not valid; the start ({a}) must not be after "
                f"the end ({b})"
            )
    else:
        start = _number(name, token, base)
        end = hi if step_text is not None else start
    step = 1
    if step_text is not None:
        if not step_text.isdigit() or not step_text.isascii() or not 1 <= int(step_text) <= hi - lo:
            raise _FieldError(
                f"{name} increment '{step_text}' in '{token}' is not valid; it must be a "
                f"whole number from 1 to {hi - lo}"
            )
        step = int(step_text)
    return set(range(start, end + 1, step))


def _items(name: str, text: str) -> list[str]:
    items = text.split(",")
    for item in items:
        if item == "":
            raise _FieldError(f"{name} field '{text}' has an empty list item")
        if item == "?":
            raise _FieldError(
                f"{name} field '{text}': '?' must be the whole field, not a list item"
            )
    return items


def _parse_plain(name: str, text: str) -> tuple[int, ...]:
    if text == "?":
        raise _FieldError(
            f"{name} field cannot be '?'; '?' is only allowed in Day-of-month and Day-of-week"
        )
    values: set[int] = set()
    for item in _items(name, text):
        values |= _plain_item(name, item)
    return tuple(sorted(values))


_L_OFFSET = re.compile(r"^L-(\d+)$")


def _parse_dom(text: str) -> _DayOfMonth | None:
    name = "Day-of-month"
    if text == "?":
        return None
    days: set[int] = set()
    offsets: set[int] = set()
    nearest: set[int] = set()
    last_weekday = False
    for item in _items(name, text):
        upper = item.upper()
        if upper == "L":
            offsets.add(0)
        elif upper == "LW":
            last_weekday = True
        elif (m := _L_OFFSET.match(upper)) is not None:
            k = int(m.group(1))
            if not 0 <= k <= 30:
                raise _FieldError(
                    f"{name} offset '{item}' is not valid; 'L-n' needs n from 0 to 30"
                )
            offsets.add(k)
        elif upper.endswith("W"):
            day = upper[:-1]
            if not day.isdigit() or not day.isascii():
                raise _FieldError(
                    f"{name} item '{item}' is not valid; 'W' follows a single day, e.g. '15W', "
                    f"or 'L' ('LW')"
                )
            nearest.add(_number(name, item, day))
        elif "#" in item:
            raise _FieldError(
                f"{name} item '{item}' is not valid; '#' is only allowed in Day-of-week"
            )
        else:
            days |= _plain_item(name, item)
    return _DayOfMonth(frozenset(days), frozenset(offsets), frozenset(nearest), last_weekday)


def _parse_dow(text: str) -> _DayOfWeek | None:
    name = "Day-of-week"
    if text == "?":
        return None
    days: set[int] = set()
    last: set[int] = set()
    nth: set[tuple[int, int]] = set()
    for item in _items(name, text):
        upper = item.upper()
        if upper == "L":
            days.add(7)
        elif "#" in upper:
            day, _, n = upper.partition("#")
            weekday = _number(name, item, day)
            if not n.isdigit() or not n.isascii() or not 1 <= int(n) <= 5:
                raise _FieldError(
                    f"{name} item '{item}' is not valid; after '#' comes the week of the "
                    f"month, 1-5 (e.g. 'MON#1')"
                )
            nth.add((weekday, int(n)))
        elif upper.endswith("L") and "-" not in upper and "/" not in upper:
            last.add(_number(name, item, upper[:-1]))
        elif upper.endswith("W"):
            raise _FieldError(
                f"{name} item '{item}' is not valid; 'W' is only allowed in Day-of-month"
            )
        else:
            days |= _plain_item(name, item)
    return _DayOfWeek(frozenset(days), frozenset(last), frozenset(nth))


def _zone(tz: str | None) -> tuple[str, tzinfo]:
    if tz is None or tz == "UTC":
        return "UTC", _UTC
    try:
        return tz, ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise InvalidInputException(
            f"Unknown time zone '{tz}'; use an IANA name such as 'Europe/Paris' or 'UTC'"
        )


def parse(expression: str, tz: str | None = None) -> CronSchedule:
    """Parse a Glue ``cron(...)`` expression; ``tz`` (IANA name, default UTC) goes beyond Glue.

    Raises :class:`~glue_nb.exceptions.InvalidInputException` naming the field and the rule.
    """
    zone_name = _zone(tz)[0]
    if not isinstance(expression, str):
        raise InvalidInputException(
            f"Invalid schedule expression {expression!r}: it must be a string of the form {_FORM}"
        )
    text = expression.strip()

    def fail(detail: str) -> InvalidInputException:
        return InvalidInputException(f"Invalid schedule expression '{expression}': {detail}")

    if not (text.startswith("cron(") and text.endswith(")")):
        raise fail(f"only cron expressions are supported, of the form {_FORM}")
    fields = text[5:-1].split()
    if len(fields) != 6:
        hint = ""
        if len(fields) == 5:
            hint = "; the Year field is required (use '*' for every year)"
        raise fail(f"expected 6 fields ({' '.join(FIELD_NAMES)}) but found {len(fields)}{hint}")
    minute_t, hour_t, dom_t, month_t, dow_t, year_t = fields
    try:
        minutes = _parse_plain("Minutes", minute_t)
        hours = _parse_plain("Hours", hour_t)
        dom = _parse_dom(dom_t)
        months = _parse_plain("Month", month_t)
        dow = _parse_dow(dow_t)
        years = _parse_plain("Year", year_t)
    except _FieldError as exc:
        raise fail(str(exc))
    if dom_t == "*" and dow_t == "*":
        raise fail("Day-of-month and Day-of-week cannot both be '*'; one of them must be '?'")
    if dom is None and dow is None:
        raise fail("Day-of-month and Day-of-week cannot both be '?'; exactly one of them must be")
    if dom is not None and dow is not None:
        raise fail(
            f"Day-of-month ('{dom_t}') and Day-of-week ('{dow_t}') cannot both be specified; "
            f"one of them must be '?'"
        )
    return CronSchedule(
        expression=expression,
        tz=zone_name,
        minutes=minutes,
        hours=hours,
        day_of_month=dom,
        months=months,
        day_of_week=dow,
        years=years,
    )


# --------------------------------------------------------------------------- public helpers


def _min_interval_setting(override: float | None) -> float:
    if override is not None:
        return float(override)
    raw = os.environ.get(MIN_INTERVAL_ENV)
    if raw is None or raw.strip() == "":
        return DEFAULT_MIN_INTERVAL_MINUTES
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0:  # also rejects NaN
        raise InvalidInputException(
            f"{MIN_INTERVAL_ENV}={raw!r} is not valid; it must be a number of minutes >= 0"
        )
    return value


def _fmt(minutes: float) -> str:
    return f"{minutes:g} minute" + ("" if minutes == 1 else "s")


def validate(
    expression: str, *, min_interval_minutes: float | None = None, tz: str | None = None
) -> CronSchedule:
    """:func:`parse`, then enforce Glue's minimum interval between fires.

    The minimum is ``min_interval_minutes`` if given, else the environment variable
    ``GLUE_NB_MIN_SCHEDULE_INTERVAL_MINUTES`` if set (may be 0), else 5. The closest two fires
    are found exactly by :meth:`CronSchedule.min_interval` (not by sampling a window).
    """
    schedule = parse(expression, tz)
    minimum = _min_interval_setting(min_interval_minutes)
    if minimum <= 0:
        return schedule
    gap = schedule.min_interval()
    if gap is not None and gap < timedelta(minutes=minimum):
        found = gap.total_seconds() / 60
        raise InvalidInputException(
            f"Invalid schedule expression '{expression}': it fires as often as every "
            f"{_fmt(found)}, more often than the minimum of {_fmt(minimum)} between runs "
            f"(set the environment variable {MIN_INTERVAL_ENV} to lower the minimum, "
            f"e.g. to 0 for tests)"
        )
    return schedule


def next_fire_times(
    expression: str,
    after: datetime | None = None,
    count: int = 5,
    tz: str | None = None,
    *,
    now: Callable[[], datetime] | None = None,
) -> list[datetime]:
    """The next ``count`` fire times strictly after ``after`` (default: now), tz-aware UTC.

    A naive ``after`` is UTC. Fewer than ``count`` come back when the schedule ends (its Year
    range is over, or it can never fire). ``now`` replaces the clock (default :func:`utcnow`).
    """
    if count < 0:
        raise InvalidInputException(f"count must be >= 0, got {count}")
    schedule = parse(expression, tz)
    if after is None:
        after = (now or utcnow)()
    out: list[datetime] = []
    if count == 0:
        return out
    for fire in schedule.iter_after(after):
        out.append(fire)
        if len(out) >= count:
            break
    return out
