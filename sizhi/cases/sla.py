"""Time limits of cases (pure). Every period is (value, unit) with unit hour, calendar_day or
working_day; the defaults follow the 信访工作条例 (petitions) and the local 12345 hotline rules
(see docs/domain/case-workflow.md, generated from this module) and can be overridden with the
SIZHI_CASE_LIMITS setting (a dict with the same shape as DEFAULT_LIMITS, merged at any depth)."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

Period = tuple[int, str]

DEFAULT_LIMITS: dict[str, Any] = {
    # Hotline and mailbox matters (接诉即办): by urgency.
    "hotline": {
        "dispatch": {"extra_urgent": (1, "hour"), "urgent": (2, "hour"), "normal": (24, "hour")},
        "respond": {"extra_urgent": (1, "hour"), "urgent": (2, "hour"), "normal": (24, "hour")},
        "handle": {
            "extra_urgent": (2, "hour"),
            "urgent": (24, "hour"),
            "normal": (5, "working_day"),
        },
        "object": (24, "hour"),
        "extension": (5, "working_day"),
    },
    # Petitions (信访工作条例): the same for every urgency.
    "petition": {
        "accept": (15, "calendar_day"),
        "handle": (60, "calendar_day"),
        "object": (5, "working_day"),
        "extension": (30, "calendar_day"),
        "review": (30, "calendar_day"),
        # The petitioner asks for 复查 / 复核 within this of the answer / the 复查 opinion;
        # when it passes unused, the sweep terminates the petition.
        "review_window": (30, "calendar_day"),
    },
    "max_extensions": 1,
    "due_soon_fraction": 0.2,
    "supervision": (2, "working_day"),
    "bad_rating_contact": (1, "working_day"),
    "max_transfers": 2,
}


@dataclass(frozen=True)
class Limits:
    table: Mapping[str, Any]

    def _family(self, kind: str) -> Mapping[str, Any]:
        family: Mapping[str, Any] = self.table["petition" if kind == "petition" else "hotline"]
        return family

    def period(self, kind: str, clock: str, urgency: str) -> Period | None:
        """The period of ``clock`` for a case of ``kind`` and ``urgency``; None: no such clock."""
        entry = self._family(kind).get(clock)
        if entry is None:
            return None
        if isinstance(entry, Mapping):
            value, unit = entry[urgency]
        else:
            value, unit = entry
        return int(value), str(unit)

    def extension(self, kind: str) -> Period:
        value, unit = self._family(kind)["extension"]
        return int(value), str(unit)

    def objection_window(self, kind: str) -> Period:
        value, unit = self._family(kind)["object"]
        return int(value), str(unit)

    @property
    def max_extensions(self) -> int:
        return int(self.table["max_extensions"])

    @property
    def max_transfers(self) -> int:
        return int(self.table["max_transfers"])

    @property
    def due_soon_fraction(self) -> float:
        return float(self.table["due_soon_fraction"])

    def named(self, name: str) -> Period:
        value, unit = self.table[name]
        return int(value), str(unit)


def _merged(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    table = dict(base)
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), Mapping):
            table[key] = _merged(base[key], value)
        else:
            table[key] = value
    return table


def merged_limits(overrides: Mapping[str, Any] | None) -> Limits:
    """The defaults with ``overrides`` laid over them at any depth: overriding the 一般 handling
    period keeps the other urgencies' defaults."""
    return Limits(_merged(DEFAULT_LIMITS, overrides or {}))


# Which clocks a transition starts and stops. A transition not listed touches no clock.
# "received" is the start of a case (submit_case), not a transition.
STARTS: dict[str, tuple[str, ...]] = {
    "received": ("dispatch", "accept"),
    "dispatch": ("respond", "handle"),
    "transfer": ("respond", "handle"),
    "reassign": ("respond", "handle"),
    "uphold": ("respond", "handle"),
    "reopen": ("handle",),
    "request_review": ("review",),
    "request_recheck": ("review",),
}
STOPS: dict[str, tuple[str, ...]] = {
    "accept": ("accept",),
    "dispatch": ("dispatch", "accept"),
    "decline": ("dispatch", "accept"),
    "contact": ("respond",),
    "reply": ("respond", "handle"),
    "issue_review": ("review",),
    "issue_recheck": ("review",),
}
# Clocks that end without being met or missed: the work moved elsewhere or ended.
CANCELS: dict[str, tuple[str, ...]] = {
    "transfer": ("respond", "handle"),
    "reassign": ("respond", "handle"),
    "object": ("respond", "handle"),
    "merge": ("dispatch", "accept", "respond", "handle"),
    "close": ("respond", "handle"),
    "terminate": ("review",),
}
