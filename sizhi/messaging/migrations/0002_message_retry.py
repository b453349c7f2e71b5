"""Retries with backoff: a message being sent, when it was last tried and when it may be tried
next. Messages left queued by the earlier code (one attempt, never retried) become due at once,
so the first run of ``sizhi retry_messages`` picks them up."""

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps
from django.utils import timezone


def due_now(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    message_model = apps.get_model("messaging", "Message")
    message_model.objects.using(schema_editor.connection.alias).filter(
        state="queued", next_attempt_at__isnull=True
    ).exclude(channel="inapp").update(next_attempt_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [("messaging", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="message",
            name="state",
            field=models.CharField(
                choices=[
                    ("queued", "待发送"),
                    ("sending", "发送中"),
                    ("sent", "已发送"),
                    ("failed", "发送失败"),
                ],
                default="queued",
                max_length=8,
                verbose_name="状态",
            ),
        ),
        migrations.AddField(
            model_name="message",
            name="last_attempt_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="最近发送尝试"),
        ),
        migrations.AddField(
            model_name="message",
            name="next_attempt_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="下次发送尝试"),
        ),
        migrations.AddIndex(
            model_name="message",
            index=models.Index(fields=["state", "next_attempt_at"], name="message_retry_idx"),
        ),
        migrations.RunPython(due_now, migrations.RunPython.noop),
    ]
