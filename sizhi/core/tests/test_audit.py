import datetime

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone

from sizhi.core import audit
from sizhi.core.models import AuditLog
from sizhi.core.requestmeta import RequestMeta, current_meta
from sizhi.core.retention import purge_audit_log


@pytest.mark.django_db
def test_record_keeps_actor_action_object_changes_and_ip(tree, county_admin):
    token = current_meta.set(RequestMeta(ip="10.1.2.3"))
    try:
        row = audit.record(
            actor=county_admin,
            action="region.update",
            obj=tree.village_a,
            changes={"name": ["旧名", "临江村"]},
        )
    finally:
        current_meta.reset(token)
    row.refresh_from_db()
    assert (row.actor, row.action, row.object_type, row.object_id) == (
        county_admin,
        "region.update",
        "orgs.region",
        str(tree.village_a.pk),
    )
    assert row.region_code == "520327101201"
    assert row.changes == {"name": ["旧名", "临江村"]}
    assert row.ip == "10.1.2.3"


@pytest.mark.django_db
def test_audit_rows_cannot_be_updated(tree):
    row = audit.record(actor=None, action="demo.build", obj=tree.county)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditLog.objects.filter(pk=row.pk).update(action="tampered")
    assert AuditLog.objects.get(pk=row.pk).action == "demo.build"


@pytest.mark.django_db
def test_audit_rows_cannot_be_deleted(tree):
    row = audit.record(actor=None, action="demo.build", obj=tree.county)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditLog.objects.filter(pk=row.pk).delete()
    assert AuditLog.objects.filter(pk=row.pk).count() == 1


@pytest.mark.django_db
def test_retention_purge_deletes_only_rows_older_than_the_cutoff(tree):
    old = audit.record(actor=None, action="old", obj=tree.county)
    new = audit.record(actor=None, action="new", obj=tree.county)
    cutoff = timezone.now() + datetime.timedelta(seconds=1)
    # Rows are append-only, so age them by moving the cutoff rather than the rows.
    assert purge_audit_log(before=cutoff - datetime.timedelta(days=365)) == 0
    assert purge_audit_log(before=cutoff) == 2
    assert AuditLog.objects.filter(pk__in=[old.pk, new.pk]).count() == 0


@pytest.mark.django_db
def test_the_guard_is_back_after_a_purge(tree):
    purge_audit_log(before=None)
    row = audit.record(actor=None, action="after", obj=tree.county)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditLog.objects.filter(pk=row.pk).delete()
    assert AuditLog.objects.filter(pk=row.pk).count() == 1


@pytest.mark.django_db
def test_a_long_reason_is_cut_to_the_column_not_refused(tree):
    # PostgreSQL refuses a value longer than the column; the action must not fail for it.
    row = audit.record(actor=None, action="motion.note", obj=tree.village_a, reason="理" * 300)
    row.refresh_from_db()
    assert row.reason == "理" * 200
