"""Full-text search of cases in Chinese, on PostgreSQL and on SQLite.

``Case.search_text`` holds the words of the title, the description and the reply, simplified
and segmented by ``sizhi.core.text.search_terms`` and joined by spaces (the actions fill it). A
query goes through the same function, so traditional input finds simplified text (臨江 → 临江)
and a word finds the longer phrase it was cut from. Every word of the query must occur (AND).

The database does the matching, through an index:

- PostgreSQL: a GIN index on ``to_tsvector('simple', search_text)``; the query is
  ``plainto_tsquery('simple', <words>)``, which parses the words with the same parser as the
  index and joins them with ``&``. It takes the words as a bound parameter and has no operator
  syntax, so nothing the user types can change the query.
- SQLite: an FTS5 table with external content (``cases_case_fts`` over ``cases_case``), kept in
  step by triggers; the query is ``id IN (SELECT rowid FROM cases_case_fts WHERE ... MATCH ?)``
  with every word quoted as an FTS5 string, so AND, OR, NEAR, ``*``, ``-`` and brackets are
  words, not operators.

Both are created by the migration ``cases.0002_search_index``. Django rebuilds a SQLite table
for many schema changes and the rebuild drops the table's triggers; ``ensure_index`` puts them
back and refills the index when that happened. Connect ``ensure_index_after_migrate`` to
``post_migrate`` (in the cases AppConfig) so that it runs after every ``migrate``.
"""

from collections.abc import Sequence
from typing import Any

from django.db import NotSupportedError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, F, QuerySet
from django.db.models.expressions import Expression
from django.db.models.sql.compiler import SQLCompiler

from sizhi.cases.models import Case
from sizhi.core.text import search_terms

# A query is cut to this many characters and words: enough for any real question, and a
# pasted page cannot make a query of thousands of terms.
MAX_QUERY_CHARS = 200
MAX_QUERY_TERMS = 20

PG_INDEX = "cases_case_search_idx"
PG_INSTALL = [
    f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON cases_case "
    "USING gin (to_tsvector('simple'::regconfig, search_text))",
]
PG_REMOVE = [f"DROP INDEX IF EXISTS {PG_INDEX}"]

FTS_TABLE = "cases_case_fts"
SQLITE_TABLE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS cases_case_fts USING fts5("
    "search_text, content='cases_case', content_rowid='id')",
]
SQLITE_TRIGGERS = {
    "cases_case_fts_insert": (
        "CREATE TRIGGER IF NOT EXISTS cases_case_fts_insert AFTER INSERT ON cases_case BEGIN "
        "INSERT INTO cases_case_fts(rowid, search_text) VALUES (new.id, new.search_text); END"
    ),
    "cases_case_fts_delete": (
        "CREATE TRIGGER IF NOT EXISTS cases_case_fts_delete AFTER DELETE ON cases_case BEGIN "
        "INSERT INTO cases_case_fts(cases_case_fts, rowid, search_text) "
        "VALUES ('delete', old.id, old.search_text); END"
    ),
    "cases_case_fts_update": (
        "CREATE TRIGGER IF NOT EXISTS cases_case_fts_update AFTER UPDATE OF search_text "
        "ON cases_case BEGIN "
        "INSERT INTO cases_case_fts(cases_case_fts, rowid, search_text) "
        "VALUES ('delete', old.id, old.search_text); "
        "INSERT INTO cases_case_fts(rowid, search_text) VALUES (new.id, new.search_text); END"
    ),
}
SQLITE_REBUILD = "INSERT INTO cases_case_fts(cases_case_fts) VALUES ('rebuild')"
SQLITE_REMOVE = [
    *(f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS),
    "DROP TABLE IF EXISTS cases_case_fts",
]


def query_terms(text: str) -> list[str]:
    """The words a query must all contain: simplified, segmented, each once, punctuation and
    symbols dropped (a word without a letter or digit matches nothing in either index)."""
    words = search_terms(text[:MAX_QUERY_CHARS])
    return [word for word in words if any(char.isalnum() for char in word)][:MAX_QUERY_TERMS]


def fts5_query(terms: list[str]) -> str:
    """An FTS5 MATCH string requiring every term: each one a quoted string (a double quote
    inside is doubled), so that no term is read as an operator, a prefix or a column."""
    return " AND ".join('"' + term.replace('"', '""') + '"' for term in terms)


class _Matches(Expression):
    """True for a case whose search text holds every term (see the module docstring)."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, terms: list[str]) -> None:
        super().__init__()
        self.terms = terms
        # F() until resolved against the query, then the columns with the query's aliases.
        self.id: Any = F("id")
        self.text: Any = F("search_text")

    def get_source_expressions(self) -> list[Any]:
        return [self.id, self.text]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        self.id, self.text = exprs

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list[Any]]:
        raise NotSupportedError(f"Case search is not available on {connection.vendor}.")

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list[Any]]:
        text_sql, text_params = compiler.compile(self.text)
        sql = (
            f"to_tsvector('simple'::regconfig, {text_sql}) "
            "@@ plainto_tsquery('simple'::regconfig, %s)"
        )
        return sql, [*text_params, " ".join(self.terms)]

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list[Any]]:
        id_sql, id_params = compiler.compile(self.id)
        match = "SELECT rowid FROM cases_case_fts WHERE cases_case_fts MATCH %s"
        return f"{id_sql} IN ({match})", [*id_params, fts5_query(self.terms)]


def search_cases(queryset: QuerySet[Case], text: str) -> QuerySet[Case]:
    """``queryset`` narrowed to the cases whose title, description or reply contain every word
    of ``text``; its filters, scope and order stay as they are, and no query runs here. Text
    without any word (empty, only punctuation or symbols) leaves ``queryset`` unchanged."""
    terms = query_terms(text)
    if not terms:
        return queryset
    return queryset.filter(_Matches(terms))


def install_index(connection: BaseDatabaseWrapper) -> None:
    """Create the index of the database in use, and on SQLite fill it (used by the
    migration; harmless to run again)."""
    if connection.vendor == "postgresql":
        _execute(connection, PG_INSTALL)
    elif connection.vendor == "sqlite":
        _execute(connection, [*SQLITE_TABLE, *SQLITE_TRIGGERS.values(), SQLITE_REBUILD])


def remove_index(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor == "postgresql":
        _execute(connection, PG_REMOVE)
    elif connection.vendor == "sqlite":
        _execute(connection, SQLITE_REMOVE)


def ensure_index(connection: BaseDatabaseWrapper) -> bool:
    """On SQLite, put back the triggers a table rebuild dropped and refill the index; True when
    something had to be repaired. Without the FTS table (the migration not applied), on other
    databases, and when all is in place, nothing happens."""
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        present = {row[0] for row in cursor.fetchall()}
    if FTS_TABLE not in present or set(SQLITE_TRIGGERS) <= present:
        return False  # not installed (not migrated that far, or migrated back), or intact
    install_index(connection)
    return True


def ensure_index_after_migrate(using: str = "default", **kwargs: Any) -> None:
    """A ``post_migrate`` receiver for the cases app (see ``ensure_index``)."""
    ensure_index(connections[using])


def _execute(connection: BaseDatabaseWrapper, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
