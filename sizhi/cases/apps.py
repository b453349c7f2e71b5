from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CasesConfig(AppConfig):
    name = "sizhi.cases"
    label = "cases"

    def ready(self) -> None:
        # SQLite drops a table's triggers when a migration rebuilds it; put the search index's
        # triggers back after every migrate (a no-op when they are there).
        from sizhi.cases import search

        post_migrate.connect(search.ensure_index_after_migrate, sender=self)
