"""The full-text index of cases: a GIN index on PostgreSQL, an FTS5 table with triggers on SQLite
(see sizhi.cases.search). Other databases get none, and search is not available there."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from sizhi.cases import search


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    search.install_index(schema_editor.connection)


def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    search.remove_index(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
