"""A partial index of petitions by state and closing time, for the sweep that ends petitions
whose window for asking 复查 or 复核 passed unused (sizhi.cases.actions.sweep)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_search_bigrams")]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("kind", "petition")),
                fields=["state", "closed_at"],
                name="case_petition_idx",
            ),
        ),
    ]
