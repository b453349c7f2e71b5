"""Full-text search of cases in Chinese, on PostgreSQL and on SQLite.

What is indexed. ``Case.search_text`` holds the terms of the title, the description and the
reply, made by ``sizhi.core.text.search_terms`` and joined by spaces (the actions fill it):
text is folded (full-width forms unified, traditional characters simplified, lower-cased), cut
into runs at punctuation, spaces and changes of script, and every run of Han characters gives
its overlapping character bigrams plus its last character on its own (路灯不亮 → 路灯 灯不 不亮
亮); a run of other letters or digits is one term (WiFi → wifi, 12345).

What a query asks. ``sizhi.core.text.query_terms`` folds and cuts the query the same way: a Han
run of two or more characters gives its bigrams, a Han character typed on its own asks for any
term that starts with it (that is every place the character occurs, since each character of
the text starts a bigram or is the last of its run), any other run is one whole word. Every term
is required (AND). So 路灯不亮 is found by 路灯不亮, 路灯, 不亮, 灯不亮 and 灯, however a word
segmenter would have cut either text, and 臨江 finds 临江.

Trade-offs, chosen for recall and for not depending on a dictionary:

- Bigrams never cross punctuation, a space, a digit or a Latin letter, so 道路，灯光 does not
  match 路灯. Inside one unbroken run they do cross word boundaries: 道路灯光改造 holds the
  bigram 路灯 and matches it. A dictionary segmenter avoids that false match only when it cuts
  both texts the same way, and misses real matches when it does not.
- The bigrams of a query are required anywhere in the text, not next to each other: 灯不亮
  matches a text holding 灯不 and 不亮 in different places (台灯不能用，屏幕不亮). Requiring them
  in order would need term positions (no de-duplication, a larger text and, on PostgreSQL,
  the 16,383-position limit of tsvector and a re-check of every candidate row). With three
  or more characters such coincidences are rare, and the results are read by a person.
- Latin words and numbers match whole: 1234 does not find 12345.

The database does the matching, through an index:

- PostgreSQL: a GIN index on ``to_tsvector('simple', search_text)``; the whole words are
  ``plainto_tsquery('simple', <words>)``, which parses them with the same parser as the index
  and joins them with ``&``, and the prefixes ``to_tsquery('simple', '<c>':* & ...)`` built
  from single Han characters only (nothing else can reach that string). Both are bound
  parameters, so nothing the user types can change the query.
- SQLite: an FTS5 table with external content (``cases_case_fts`` over ``cases_case``), kept in
  step by triggers; the query is ``id IN (SELECT rowid FROM cases_case_fts WHERE ... MATCH ?)``
  with every term quoted as an FTS5 string (a prefix as ``"<c>"*``), so AND, OR, NEAR, ``*``,
  ``-`` and brackets typed by the user are words, not operators.

Both are created by the migration ``cases.0002_search_index``; ``cases.0003_search_bigrams``
re-indexed the cases written before bigrams. Django rebuilds a SQLite table for many schema
changes and the rebuild drops the table's triggers; ``ensure_index`` puts them back and refills
the index when that happened. Connect ``ensure_index_after_migrate`` to ``post_migrate`` (in the
cases AppConfig) so that it runs after every ``migrate``.
"""

from collections.abc import Sequence
from typing import Any

from django.db import NotSupportedError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, F, QuerySet
from django.db.models.expressions import Expression
from django.db.models.sql.compiler import SQLCompiler

from sizhi.cases.models import Case
from sizhi.core.text import QueryTerms
from sizhi.core.text import query_terms as text_query_terms

# A query is cut to this many characters and terms: enough for any real question, and a
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


def query_terms(text: str) -> QueryTerms:
    """The terms a query must all match (see the module docstring), from its first
    MAX_QUERY_CHARS characters, at most MAX_QUERY_TERMS of them; punctuation and symbols
    dropped."""
    return text_query_terms(text[:MAX_QUERY_CHARS], limit=MAX_QUERY_TERMS)


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def fts5_query(terms: QueryTerms) -> str:
    """An FTS5 MATCH string requiring every term: each one a quoted string (a double quote
    inside is doubled), so that no term is read as an operator or a column; prefixes are the
    quoted character followed by ``*``."""
    parts = [_quoted(word) for word in terms.words]
    parts += [_quoted(prefix) + "*" for prefix in terms.prefixes]
    return " AND ".join(parts)


def tsquery_prefixes(prefixes: Sequence[str]) -> str:
    """The ``to_tsquery`` text asking for terms that start with each of ``prefixes``: single Han
    characters, which hold nothing the tsquery syntax would read (anything else is refused)."""
    for prefix in prefixes:
        if len(prefix) != 1 or not prefix.isalnum():
            raise ValueError(f"not a single character: {prefix!r}")
    return " & ".join(f"'{prefix}':*" for prefix in prefixes)


class _Matches(Expression):
    """True for a case whose search text holds every term (see the module docstring)."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, terms: QueryTerms) -> None:
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
        parts: list[str] = []
        params: list[str] = []
        if self.terms.words:
            parts.append("plainto_tsquery('simple'::regconfig, %s)")
            params.append(" ".join(self.terms.words))
        if self.terms.prefixes:
            parts.append("to_tsquery('simple'::regconfig, %s)")
            params.append(tsquery_prefixes(self.terms.prefixes))
        sql = f"to_tsvector('simple'::regconfig, {text_sql}) @@ ({' && '.join(parts)})"
        return sql, [*text_params, *params]

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list[Any]]:
        id_sql, id_params = compiler.compile(self.id)
        match = "SELECT rowid FROM cases_case_fts WHERE cases_case_fts MATCH %s"
        return f"{id_sql} IN ({match})", [*id_params, fts5_query(self.terms)]


def search_cases(queryset: QuerySet[Case], text: str) -> QuerySet[Case]:
    """``queryset`` narrowed to the cases whose title, description or reply match every term of
    ``text``; its filters, scope and order stay as they are, and no query runs here. Text
    without any term (empty, only punctuation or symbols) leaves ``queryset`` unchanged."""
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
