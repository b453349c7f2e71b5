"""Fill ``Ballot.rule_params`` of the ballots opened before it was kept, in batches of BATCH
ballots, each batch in its own transaction.

The parameters are those of the rule configured for the kind of the ballot's body when this
migration runs (``sizhi.deliberation.config.body_rule``): the rule actually applied was not
kept in numbers. They are written only where they agree with the words the ballot stored
(``rules.describe`` of the rule in the site's language), or where it stored none; a ballot
whose words say otherwise (the configuration changed since) keeps empty parameters, so its
pages go on showing the words it was decided under.

The migration is not atomic as a whole: a run that stops half-way leaves some ballots with
parameters and some without, and running it again fills the rest (a ballot that has
parameters is never touched). Going back leaves the parameters in place; the field's own
migration removes them.
"""

from typing import Any

from django.conf import settings
from django.db import migrations, transaction
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps
from django.utils.translation import override

from sizhi.deliberation import config, rules

BATCH = 2000


def _configured(kind: str) -> tuple[str, dict[str, Any]]:
    """The rule configured for a body kind now: its words in the site's language and its
    parameters (a kind without a rule of its own has the council's, as ``rules.rule_for``)."""
    rule = config.body_rule(kind)
    with override(settings.LANGUAGE_CODE):
        return str(rules.describe(rule)), rules.rule_params(rule)


def fill_rule_params(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    alias = schema_editor.connection.alias
    ballot_model = apps.get_model("deliberation", "Ballot")
    ballots = ballot_model.objects.using(alias)
    by_kind: dict[str, tuple[str, dict[str, Any]]] = {}
    last = 0
    while True:
        rows = list(
            ballots.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "rule", "rule_params", "meeting__body__kind")[:BATCH]
        )
        if not rows:
            break
        last = rows[-1][0]
        todo: dict[str, list[int]] = {}
        for pk, words, params, kind in rows:
            if kind not in by_kind:
                by_kind[kind] = _configured(kind)
            if not params and words in ("", by_kind[kind][0]):
                todo.setdefault(kind, []).append(pk)
        with transaction.atomic(using=alias):
            for kind, keys in todo.items():
                ballots.filter(pk__in=keys).update(rule_params=by_kind[kind][1])


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("deliberation", "0002_ballot_rule_params")]
    operations = [migrations.RunPython(fill_rule_params, migrations.RunPython.noop, elidable=True)]
