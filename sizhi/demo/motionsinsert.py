"""Inserting many rows of a model from plain values, without building model instances: the
demo's tens of thousands of seats, accounts, motions, meetings and ballots, where bulk_create's
per-value preparation would be most of the time. Columns not given take the field's default;
``auto_now`` and ``auto_now_add`` fields take the build's time. Keys come back (``RETURNING``)
where the database can give them in one statement, as bulk_create does. PostgreSQL gets the rows
by COPY, with keys taken from the table's sequence beforehand when they are needed."""

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connection, models
from django.db.models import Max
from django.utils import timezone

ROWS_PER_STATEMENT = 500
PARAMS_PER_STATEMENT = 30_000  # below SQLite's 32,766 and PostgreSQL's 65,535


def _utc_text(value: dt.datetime) -> str:
    """What SQLite's adapter makes of an aware date-time when the connection is in UTC."""
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")


def _adapter(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        if connection.vendor == "sqlite" and settings.USE_TZ and connection.timezone_name == "UTC":
            return _utc_text
        return ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(field, models.DecimalField):
        return partial(
            ops.adapt_decimalfield_value,
            max_digits=field.max_digits,
            decimal_places=field.decimal_places,
        )
    if isinstance(field, models.JSONField):
        return partial(field.get_db_prep_save, connection=connection)
    return None


def insert(
    model: type[models.Model], rows: Iterable[Mapping[str, Any]], *, returning: bool = False
) -> list[int]:
    """INSERT ``rows`` (attribute name → value; foreign keys by ``<name>_id``) and return the
    new keys in order when ``returning``, else an empty list."""
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults: dict[str, Any] = {}
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            defaults[field.attname] = now
        elif field.has_default():
            defaults[field.attname] = field.get_default()
        else:
            defaults[field.attname] = None
    adapters = [_adapter(field) for field in fields]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(field.column) for field in fields)
    marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
    prepared = [
        tuple(
            value if adapt is None or value is None else adapt(value)
            for value, adapt in zip(
                (row.get(f.attname, defaults[f.attname]) for f in fields), adapters, strict=True
            )
        )
        for row in rows
    ]
    if not prepared:
        return []
    pk = quote(model._meta.pk.column)
    if connection.vendor == "postgresql":
        if not returning:
            _copy(table, names, prepared)
            return []
        keys = _reserve(model, len(prepared))
        _copy(
            table, f"{pk}, {names}", [(key, *row) for key, row in zip(keys, prepared, strict=True)]
        )
        return keys
    returns = returning and connection.features.can_return_rows_from_bulk_insert
    before = 0
    if returning and not returns:
        before = model._default_manager.aggregate(last=Max("pk"))["last"] or 0
    size = max(1, min(ROWS_PER_STATEMENT, PARAMS_PER_STATEMENT // len(fields)))
    found: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(prepared), size):
            batch = prepared[start : start + size]
            sql = f"INSERT INTO {table} ({names}) VALUES " + ", ".join([marks] * len(batch))  # noqa: S608
            cursor.execute(sql + (f" RETURNING {pk}" if returns else ""), _flat(batch))
            if returns:
                found += [row[0] for row in cursor.fetchall()]
    if returning and not returns:
        newer = model._default_manager.filter(pk__gt=before).order_by("pk")
        found = list(newer.values_list("pk", flat=True))
    return found if returning else []


def _reserve(model: type[models.Model], count: int) -> list[int]:
    """``count`` keys taken from the table's sequence, so the rows can be copied with them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s) ORDER BY 1",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _copy(table: str, names: str, rows: list[tuple[Any, ...]]) -> None:
    """PostgreSQL's COPY: the rows go over as a stream, formatted by the driver."""
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _flat(rows: list[tuple[Any, ...]]) -> list[Any]:
    return [value for row in rows for value in row]


def update(
    model: type[models.Model], names: Iterable[str], rows: Iterable[tuple[int, Mapping[str, Any]]]
) -> int:
    """UPDATE the fields ``names`` of the rows given as (key, attribute name → value)."""
    fields = [model._meta.get_field(name) for name in names]
    columns: list[models.Field[Any, Any]] = [f for f in fields if isinstance(f, models.Field)]
    adapters = [_adapter(field) for field in columns]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in columns)
    sql = (
        f"UPDATE {quote(model._meta.db_table)} SET {assignments} "  # noqa: S608
        f"WHERE {quote(model._meta.pk.column)} = %s"
    )
    prepared = [
        (
            *(
                value if adapt is None or value is None else adapt(value)
                for value, adapt in zip((values[f.attname] for f in columns), adapters, strict=True)
            ),
            key,
        )
        for key, values in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, prepared)
    return len(prepared)
