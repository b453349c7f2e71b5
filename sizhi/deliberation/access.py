"""Who may do what to a motion. Region roles come from grants over the motion's place."""

from typing import Any

from sizhi.deliberation.models import Motion
from sizhi.orgs.models import can


def may(user: Any, permission: str, motion: Motion) -> bool:
    """Whether ``user`` may take a step that needs ``permission`` on ``motion``. "system"
    steps are taken by the actions themselves (actor None), never by a person."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if permission == "system":
        return False
    if permission == "deliberation.proposer":
        return motion.proposer_id is not None and motion.proposer_id == user.pk
    if permission == "deliberation.take_part":
        if not can(user, permission, motion.region_code):
            return False
        return motion.is_public or can(user, "deliberation.view", motion.region_code)
    return can(user, permission, motion.region_code)
