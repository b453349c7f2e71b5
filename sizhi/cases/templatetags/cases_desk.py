"""Rendering helpers of the case desk. No tag here reads the database."""

from typing import Any

from django import template
from django.forms import BoundField
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sizhi.cases.models import CaseEvent
from sizhi.cases.workflow import TRANSITIONS, CaseState

register = template.Library()

# Steps the resident takes (with the tracking code): their events carry no account.
RESIDENT_STEPS = frozenset(
    {"receive", "add_information", "request_review", "request_recheck", "follow_up", "repeat"}
)
STATE_TONES: dict[str, str] = {
    CaseState.RECEIVED: "new",
    CaseState.ACCEPTED: "new",
    CaseState.ASSIGNED: "active",
    CaseState.OBJECTED: "warn",
    CaseState.IN_PROGRESS: "active",
    CaseState.REPLIED: "ok",
    CaseState.FOLLOWED_UP: "ok",
    CaseState.REVIEW_REQUESTED: "warn",
    CaseState.RECHECK_REQUESTED: "warn",
}


@register.filter
def transition_label(name: str) -> str:
    if name == "receive":
        return _("登记")
    if name == "motion_published":
        return _("议事会决议公开")
    transition = TRANSITIONS.get(name)
    return str(transition.label) if transition is not None else name


@register.filter
def period(value: int, unit: str) -> str:
    """A clock's length in words: 24小时, 15天, 5个工作日."""
    if unit == "hour":
        return ngettext("%(n)d小时", "%(n)d小时", value) % {"n": value}
    if unit == "working_day":
        return ngettext("%(n)d个工作日", "%(n)d个工作日", value) % {"n": value}
    return ngettext("%(n)d天", "%(n)d天", value) % {"n": value}


@register.filter
def actor_label(event: CaseEvent) -> str:
    """Who took a step: staff by name; a step without an account is the resident's own or the
    system's (the resident is never named on the desk's timeline)."""
    actor: Any = event.actor
    if actor is not None:
        return str(actor.name or actor)
    if event.transition in RESIDENT_STEPS:
        return _("诉求人")
    return _("系统")


@register.filter
def state_tone(state: str) -> str:
    """A class suffix for a state's badge: new, active, warn, ok, or done."""
    return STATE_TONES.get(state, "done")


@register.filter
def option_groups(field: BoundField) -> list[tuple[str, list[tuple[str, str, bool]]]]:
    """A select's choices as (group label or "", [(value, label, selected)]): the options
    outside any group come under ""."""
    chosen = "" if field.value() is None else str(field.value())
    groups: list[tuple[str, list[tuple[str, str, bool]]]] = []
    choices: Any = getattr(field.field, "choices", ())
    for value, label in choices:
        if isinstance(label, list | tuple):
            options = [(str(v), str(text), str(v) == chosen) for v, text in label]
            groups.append((str(value), options))
        elif groups and groups[-1][0] == "":
            groups[-1][1].append((str(value), str(label), str(value) == chosen))
        else:
            groups.append(("", [(str(value), str(label), str(value) == chosen)]))
    return groups
