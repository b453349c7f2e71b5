"""Write docs/domain/case-workflow.md from the case workflow table (never edited by hand)."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import override

from sizhi.cases.sla import CANCELS, DEFAULT_LIMITS, STARTS, STOPS
from sizhi.cases.workflow import (
    FINAL_STATES,
    OPEN_STATES,
    PETITION_ONLY,
    STAYING,
    TRANSITIONS,
    CaseState,
)
from sizhi.core.workflow import mermaid

DOC = Path(settings.BASE_DIR) / "docs" / "domain" / "case-workflow.md"


def _standing(state: str) -> str:
    if state in OPEN_STATES:
        return "open"
    if state in FINAL_STATES:
        return "final"
    return "petition review"


def render() -> str:
    """The page: the states, a Mermaid diagram of the transitions that move a case, and the
    whole table (with the ones that only record an event)."""
    with override("zh-hans"):
        labels = {state.value: str(state.label) for state in CaseState}
        moving = {name: t for name, t in TRANSITIONS.items() if name not in STAYING}
        lines = [
            "# Case workflow (诉求/工单流转)",
            "",
            "<!-- Generated from sizhi/cases/workflow.py by `manage.py case_diagram`; "
            "do not edit. -->",
            "",
            "## States",
            "",
            "| state | 状态 | standing |",
            "|---|---|---|",
            *(f"| `{s}` | {label} | {_standing(s)} |" for s, label in labels.items()),
            "",
            "## Diagram",
            "",
            "Transitions that change the state; those that only record an event are in the "
            "table below.",
            "",
            "```mermaid",
            mermaid(moving, labels).rstrip("\n"),
            "```",
            "",
            "## Transitions",
            "",
            "Besides the table: the steps marked 信访 are for petitions only, and a petition "
            "being handled (`in_progress`) is not merged.",
            "",
            "| transition | 动作 | from | to | permission |",
            "|---|---|---|---|---|",
        ]
        order = list(labels)
        for name, transition in TRANSITIONS.items():
            sources = ", ".join(f"`{s}`" for s in sorted(transition.sources, key=order.index))
            target = f"`{transition.target}`" if transition.target else "(unchanged)"
            label = str(transition.label) + (" (信访)" if name in PETITION_ONLY else "")
            lines.append(
                f"| `{name}` | {label} | {sources} | {target} | `{transition.permission}` |"
            )
        lines += ["", *_limits_section()]
    return "\n".join(lines) + "\n"


UNIT_NAMES = {"hour": "h", "calendar_day": "日", "working_day": "工作日"}
URGENCIES = ("extra_urgent", "urgent", "normal")


def _period(entry: Any) -> str:
    if isinstance(entry, dict):
        return " / ".join(_period(entry[u]) for u in URGENCIES)
    value, unit = entry
    return f"{value} {UNIT_NAMES[unit]}"


def _limits_section() -> list[str]:
    """The default time limits (sizhi.cases.sla; SIZHI_CASE_LIMITS overrides them) and which
    transitions start, stop and cancel each clock."""
    lines = [
        "## Default time limits",
        "",
        "From `sizhi/cases/sla.py` (domain rules: 信访工作条例 and the 12345 hotline rules); a "
        "county changes them with the `SIZHI_CASE_LIMITS` setting. By urgency: "
        "特急 / 紧急 / 一般. 日 periods do not count the first day and end on a working day; "
        "工作日 skip holidays and count make-up working days.",
        "",
        "| family | limit | period |",
        "|---|---|---|",
    ]
    for family in ("hotline", "petition"):
        for name, entry in DEFAULT_LIMITS[family].items():
            lines.append(f"| {family} | `{name}` | {_period(entry)} |")
    for name in ("bad_rating_contact", "supervision"):
        lines.append(f"| all | `{name}` | {_period(DEFAULT_LIMITS[name])} |")
    for name in ("max_extensions", "max_transfers", "due_soon_fraction"):
        lines.append(f"| all | `{name}` | {DEFAULT_LIMITS[name]} |")
    lines += ["", "| clock | started by | stopped by | cancelled by |", "|---|---|---|---|"]
    for kind in ("accept", "dispatch", "respond", "handle", "review"):
        cells = [
            ", ".join(f"`{n}`" for n, kinds in table.items() if kind in kinds)
            for table in (STARTS, STOPS, CANCELS)
        ]
        lines.append(f"| `{kind}` | {' | '.join(cells)} |")
    return lines


class Command(BaseCommand):
    help = "Write docs/domain/case-workflow.md from the case workflow table."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check", action="store_true", help="Fail if the page is not up to date."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        text = render()
        if options["check"]:
            if not DOC.exists() or DOC.read_text(encoding="utf-8") != text:
                raise CommandError(f"{DOC} is out of date: run manage.py case_diagram")
            return
        DOC.parent.mkdir(parents=True, exist_ok=True)
        DOC.write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {DOC}")
