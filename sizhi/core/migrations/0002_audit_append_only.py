"""Make the audit log append-only in the database itself, on SQLite and on PostgreSQL."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

SQLITE_UP = [
    """CREATE TRIGGER core_auditlog_no_update BEFORE UPDATE ON core_auditlog
    BEGIN SELECT RAISE(ABORT, 'core_auditlog is append-only'); END""",
    """CREATE TRIGGER core_auditlog_no_delete BEFORE DELETE ON core_auditlog
    BEGIN SELECT RAISE(ABORT, 'core_auditlog is append-only'); END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS core_auditlog_no_update",
    "DROP TRIGGER IF EXISTS core_auditlog_no_delete",
]
POSTGRES_UP = [
    # Deletion is allowed only inside a transaction that declared a retention purge with
    # SET LOCAL sizhi.audit_purge = 'on' (see core.retention); updates never.
    """CREATE OR REPLACE FUNCTION core_auditlog_refuse() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'DELETE' AND current_setting('sizhi.audit_purge', true) = 'on' THEN
        RETURN OLD;
      END IF;
      RAISE EXCEPTION 'core_auditlog is append-only';
    END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER core_auditlog_append_only BEFORE UPDATE OR DELETE ON core_auditlog
    FOR EACH ROW EXECUTE FUNCTION core_auditlog_refuse()""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS core_auditlog_append_only ON core_auditlog",
    "DROP FUNCTION IF EXISTS core_auditlog_refuse()",
]


def _run(schema_editor: BaseDatabaseSchemaEditor, statements: dict[str, list[str]]) -> None:
    for sql in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(schema_editor, {"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP})


def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(schema_editor, {"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN})


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
