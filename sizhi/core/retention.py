"""Purging audit rows past their retention period: the only way rows leave the audit log."""

from datetime import datetime

from django.db import connection, transaction

from sizhi.core.models import AuditLog

_SQLITE_TRIGGERS = {
    "core_auditlog_no_update": (
        "CREATE TRIGGER core_auditlog_no_update BEFORE UPDATE ON core_auditlog "
        "BEGIN SELECT RAISE(ABORT, 'core_auditlog is append-only'); END"
    ),
    "core_auditlog_no_delete": (
        "CREATE TRIGGER core_auditlog_no_delete BEFORE DELETE ON core_auditlog "
        "BEGIN SELECT RAISE(ABORT, 'core_auditlog is append-only'); END"
    ),
}


@transaction.atomic
def purge_audit_log(*, before: datetime | None) -> int:
    """Delete audit rows older than ``before`` (None: all rows, for test teardown only)."""
    rows = AuditLog.objects.all() if before is None else AuditLog.objects.filter(at__lt=before)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL sizhi.audit_purge = 'on'")
            deleted, _ = rows.delete()
            cursor.execute("SET LOCAL sizhi.audit_purge = 'off'")
            return deleted
        # SQLite has no session settings: lift the guard inside this transaction only.
        cursor.execute("DROP TRIGGER IF EXISTS core_auditlog_no_delete")
        deleted, _ = rows.delete()
        cursor.execute(_SQLITE_TRIGGERS["core_auditlog_no_delete"])
        return deleted
