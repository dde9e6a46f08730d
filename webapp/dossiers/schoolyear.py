"""The school year: 1 August to 31 July, named "2026-2027". Classes belong to one; activation codes last until its
end."""

from datetime import UTC, date, datetime, time

from webapp.core.timeutil import AMSTERDAM, today_local


def school_year(today: date | None = None) -> str:
    """The school year a day falls in: "2026-2027"."""
    today = today or today_local()
    start = today.year if today.month >= 8 else today.year - 1
    return f"{start}-{start + 1}"


def school_year_end(year: str | None = None) -> date:
    """The last day of a school year (31 July)."""
    return date(int((year or school_year())[-4:]), 7, 31)


def school_year_ends_at(now: datetime) -> datetime:
    """When the school year `now` falls in ends: 31 July, 23:59 in Amsterdam, in UTC."""
    local = now.astimezone(AMSTERDAM)
    last_day = school_year_end(school_year(local.date()))
    return datetime.combine(last_day, time(23, 59), AMSTERDAM).astimezone(UTC)
