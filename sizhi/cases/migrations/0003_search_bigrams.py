"""Re-index every case for bigram search: ``search_text`` is recomputed from the title, the
description and the reply with ``sizhi.core.text.search_terms`` (see sizhi.cases.search), in
batches of BATCH cases, each batch in its own transaction.

The migration is not atomic as a whole, so that a large table is not rewritten in one
transaction; a run that stops half-way leaves both kinds of rows and is simply run again. On
SQLite the FTS5 triggers are dropped while the rows change and the index is then rebuilt from
the table in one pass (and the triggers put back), which is faster than updating it row by row
and leaves it exactly in step with the table. On PostgreSQL the GIN index follows the updates.

Going back leaves the rows as they are: the earlier search finds most two-character words in
bigrams, and migrating forward again recomputes them.
"""

from django.db import migrations, transaction
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from sizhi.cases import search
from sizhi.core.text import search_terms

BATCH = 2000


def reindex(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    connection = schema_editor.connection
    case_model = apps.get_model("cases", "Case")
    cases = case_model.objects.using(connection.alias)
    sqlite = connection.vendor == "sqlite"
    if sqlite:
        with connection.cursor() as cursor:
            for name in search.SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
    last = 0
    while True:
        rows = list(
            cases.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "title", "description", "reply")[:BATCH]
        )
        if not rows:
            break
        changed = []
        for pk, title, description, reply in rows:
            text = " ".join(search_terms(f"{title} {description} {reply}"))
            changed.append(case_model(pk=pk, search_text=text))
        with transaction.atomic(using=connection.alias):
            cases.bulk_update(changed, ["search_text"], batch_size=500)
        last = rows[-1][0]
    if sqlite:
        search.install_index(connection)  # the triggers back, the index rebuilt from the table


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("cases", "0002_search_index")]
    operations = [migrations.RunPython(reindex, migrations.RunPython.noop, elidable=True)]
