"""Times are stored in UTC and shown in Europe/Amsterdam; dates as dd-mm-jjjj."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def utcnow() -> datetime:
    return datetime.now(UTC)


def today_local() -> date:
    return datetime.now(AMSTERDAM).date()


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime on every database (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given; use webapp.core.timeutil.utcnow()")
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def format_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(AMSTERDAM).date()
    return value.strftime("%d-%m-%Y")


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(AMSTERDAM).strftime("%d-%m-%Y %H:%M")


def parse_date(text: str) -> date | None:
    """Parse dd-mm-jjjj (the UI's form) or ISO jjjj-mm-dd (date inputs); None when it is neither."""
    text = (text or "").strip()
    for pattern in ("%d-%m-%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def render_migration_item(kind, item, autogen_context):
    """Alembic hook: write UTCDateTime as a plain timezone-aware DateTime in migrations."""
    if kind == "type" and isinstance(item, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False
