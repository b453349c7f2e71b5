"""The shape shared by every workflow table: named transitions from states to a state.

Each stateful aggregate keeps a pure table in its app's ``workflow.py`` built from these pieces;
one ``transition_<thing>()`` action executes it (compare-and-set, permission, event row).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.utils.functional import Promise

from sizhi.core.errors import InvalidState


@dataclass(frozen=True, slots=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str  # "" for a transition that records an event and leaves the state as it is
    permission: str
    label: "str | Promise" = ""


def table(transitions: Iterable[Transition]) -> dict[str, Transition]:
    result: dict[str, Transition] = {}
    for transition in transitions:
        if transition.name in result:
            raise ValueError(f"duplicate transition {transition.name!r}")
        result[transition.name] = transition
    return result


def transition_for(transitions: Mapping[str, Transition], name: str, current: str) -> Transition:
    """The transition ``name`` if it may leave ``current``; InvalidState otherwise."""
    transition = transitions.get(name)
    if transition is None or current not in transition.sources:
        raise InvalidState
    return transition


def available(transitions: Mapping[str, Transition], current: str) -> list[Transition]:
    return [t for t in transitions.values() if current in t.sources]


def mermaid(transitions: Mapping[str, Transition], labels: Mapping[str, str]) -> str:
    """A Mermaid state diagram of the table, for docs/."""
    lines = ["stateDiagram-v2"]
    for state, label in labels.items():
        lines.append(f"    {state} : {label}")
    for transition in transitions.values():
        for source in sorted(transition.sources):
            target = transition.target or source
            lines.append(f"    {source} --> {target} : {transition.name}")
    return "\n".join(lines) + "\n"
