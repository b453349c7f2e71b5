"""Writing a Popolo export as one JSON document, a chunk at a time.

The document is an object of top-level arrays (the "popolo.json" convention):
``{"areas": [...], "organizations": [...], "persons": [...], "memberships": [...],
"events": [...], "motions": [...], "vote_events": [...]}``; votes are embedded in their vote
event. Nothing holds more than one chunk of rows, so the memory an export takes does not grow
with the place; every query runs inside one read snapshot, so that every reference resolves
even while others write.
"""

import json
from collections.abc import Callable, Generator, Iterator
from contextlib import closing, contextmanager

from django.db import connection, transaction
from django.utils import translation

from sizhi.deliberation.popolo import SECTIONS, PopoloExport


@contextmanager
def read_snapshot() -> Iterator[None]:
    """Run the queries inside in one read-only snapshot of the database.

    PostgreSQL: a REPEATABLE READ READ ONLY transaction. SQLite (WAL): a deferred read
    transaction, begun by hand because the site's SQLite transactions take the write lock
    first (IMMEDIATE) and an export must not hold writers back. Inside a transaction already,
    that transaction is the snapshot.
    """
    if connection.in_atomic_block:
        yield
        return
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield
        return
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("BEGIN DEFERRED")
    try:
        yield
    finally:
        if connection.connection is not None and connection.connection.in_transaction:
            with connection.cursor() as cursor:
                cursor.execute("COMMIT")


def _dumps(row: dict[str, object]) -> str:
    return json.dumps(row, ensure_ascii=False, separators=(",", ":"))


def iter_popolo(export: PopoloExport, language: str | None = None) -> Generator[str, None, None]:
    """The export as pieces of JSON text: one per chunk of rows, plus the punctuation."""
    with translation.override(language or translation.get_language()), read_snapshot():
        yield "{"
        for index, name in enumerate(SECTIONS):
            yield ("," if index else "") + f'\n"{name}":['
            first = True
            for chunk in export.section(name):
                if not chunk:
                    continue
                yield ("\n" if first else ",\n") + ",\n".join(_dumps(row) for row in chunk)
                first = False
            yield "\n]"
        yield "\n}\n"


def iter_popolo_bytes(
    export: PopoloExport, language: str | None = None
) -> Generator[bytes, None, None]:
    """UTF-8 pieces for a streaming response; closing this closes the snapshot."""
    with closing(iter_popolo(export, language)) as pieces:
        for piece in pieces:
            yield piece.encode()


def write_popolo(
    export: PopoloExport, write: Callable[[str], object], language: str | None = None
) -> int:
    """Hand the export to ``write`` piece by piece; returns the number of characters."""
    written = 0
    with closing(iter_popolo(export, language)) as pieces:
        for piece in pieces:
            write(piece)
            written += len(piece)
    return written
