"""Write docs/domain/motion-workflow.md from the motion workflow table."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sizhi.deliberation.diagram import document

DOC = Path(settings.BASE_DIR) / "docs" / "domain" / "motion-workflow.md"


class Command(BaseCommand):
    help = "Write docs/domain/motion-workflow.md from the motion workflow table."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="Fail if it is out of date.")

    def handle(self, *args: Any, **options: Any) -> None:
        text = document()
        if options["check"]:
            if not DOC.exists() or DOC.read_text(encoding="utf-8") != text:
                raise CommandError(f"{DOC} is out of date: run manage.py motion_diagram")
            return
        DOC.write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {DOC}")
