"""Configurable numbers of deliberation, from ``SIZHI_DELIBERATION`` over the defaults."""

from typing import Any

from django.conf import settings

from sizhi.deliberation.rules import BodyRule, rule_for

DEFAULTS: dict[str, Any] = {
    # Co-signers who move a resident's proposal on without the convener (0: never).
    "cosign_threshold": 5,
    # Days of appraisal (评议) before review may start; the convener may start earlier.
    "appraisal_days": 7,
    # A published resolution or result stays up at least this many days (山东: ≥ 5).
    "publicity_days": 5,
    # Residents may object within this many days of publication; answered within this many.
    "objection_days": 5,
    "objection_answer_days": 5,
    # Default time to carry out a resolution, when the convener sets none.
    "implementation_days": 90,
    # Per body kind: {"quorum_persons": (num, den, strict), "pass_share": ..., "notice_days": n}.
    "rules": {},
}


def value(name: str) -> Any:
    configured = getattr(settings, "SIZHI_DELIBERATION", None) or {}
    return configured.get(name, DEFAULTS[name])


def body_rule(kind: str) -> BodyRule:
    return rule_for(kind, value("rules"))
