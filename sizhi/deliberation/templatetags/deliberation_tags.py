"""Rendering helpers of the deliberation pages. No tag here reads the database."""

from dataclasses import dataclass
from typing import Any

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sizhi.core.pii import mask_name
from sizhi.deliberation.models import MotionEvent
from sizhi.deliberation.workflow import FINAL_STATES, STEP_OF_STATE, TRANSITIONS, MotionState

register = template.Library()

# The six steps of 四议两公开, in order.
STEPS = (
    ("①", gettext_lazy("提议")),
    ("②", gettext_lazy("商议")),
    ("③", gettext_lazy("审议")),
    ("④", gettext_lazy("决议")),
    ("⑤", gettext_lazy("决议公开")),
    ("⑥", gettext_lazy("实施结果公开")),
)
STATE_TONES: dict[str, str] = {
    MotionState.DRAFT: "new",
    MotionState.PROPOSED: "new",
    MotionState.APPRAISING: "active",
    MotionState.REVIEWING: "active",
    MotionState.VOTING: "active",
    MotionState.ADJOURNED: "warn",
    MotionState.RESOLVED: "ok",
    MotionState.RESOLUTION_PUBLISHED: "ok",
    MotionState.IMPLEMENTING: "active",
    MotionState.RESULT_PUBLISHED: "ok",
}
OTHER_LABELS = {"create": gettext_lazy("创建")}


@dataclass(frozen=True)
class Step:
    mark: str
    label: str
    status: str  # "done", "current" or "todo"


@register.filter
def four_steps(state: str) -> list[Step]:
    """The six steps of 四议两公开 with where the motion stands; a closed motion has done them
    all, a rejected or withdrawn one stopped where it was."""
    marks = [mark for mark, _label in STEPS]
    if state == MotionState.CLOSED:
        return [Step(mark, str(label), "done") for mark, label in STEPS]
    current = STEP_OF_STATE.get(state, "")
    at = marks.index(current) if current in marks else -1
    steps = []
    for index, (mark, label) in enumerate(STEPS):
        status = "done" if index < at else "current" if index == at else "todo"
        steps.append(Step(mark, str(label), status))
    return steps


@register.filter
def step_mark(state: str) -> str:
    return STEP_OF_STATE.get(state, "")


@register.filter
def is_final(state: str) -> bool:
    return state in FINAL_STATES


@register.filter
def transition_label(name: str) -> str:
    if name in OTHER_LABELS:
        return str(OTHER_LABELS[name])
    transition = TRANSITIONS.get(name)
    return str(transition.label) if transition is not None else name


@register.filter
def state_label(state: str) -> str:
    """A state's name, for records that keep the bare value (events)."""
    return str(MotionState(state).label) if state in MotionState.values else state


@register.filter
def state_tone(state: str) -> str:
    """A class suffix for a state's badge: new, active, warn, ok or done."""
    return STATE_TONES.get(state, "done")


@register.filter
def masked(value: Any) -> str:
    """A person's or a user's name with all but its first character hidden."""
    name = getattr(value, "name", value)
    return mask_name(str(name or ""))


@register.filter
def actor_label(event: MotionEvent) -> str:
    """Who took a step, masked; the system when nobody did."""
    actor: Any = event.actor
    if actor is None:
        return _("系统")
    return mask_name(actor.name) if actor.name else _("用户")


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None
