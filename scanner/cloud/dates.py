"""Dates in the IAM report (pure): everything is compared in UTC; a naive date means UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def aware(d: datetime) -> datetime:
    return d if d.tzinfo else d.replace(tzinfo=UTC)


def parse(value: str | None) -> datetime | None:
    """ISO 8601 with Z or an offset (or a plain date); None when empty or not a date."""
    if not value:
        return None
    try:
        return aware(datetime.fromisoformat(value.strip().replace("Z", "+00:00")))
    except ValueError:
        return None


def days(now: datetime, then: datetime | None) -> int | None:
    """Whole days from `then` to `now` (never negative); None when `then` is unknown."""
    return None if then is None else max(0, (now - aware(then)).days)


def iso(value: datetime | None) -> str | None:
    return aware(value).astimezone(UTC).isoformat(timespec="seconds") if value else None
