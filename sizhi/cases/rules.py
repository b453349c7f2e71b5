"""Who may do what to a case. Region roles come from grants over the case's place; a handler
acts through a grant on the case's handling unit."""

from typing import Any

from sizhi.cases.models import Case, handler_unit_ids
from sizhi.orgs.models import can


def may(user: Any, permission: str, case: Case) -> bool:
    """Whether ``user`` holds ``permission`` for ``case`` (the submitter's own permission,
    ``cases.submitter``, is decided by the caller from a tracking code or the person link)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if permission == "cases.handle":
        return case.handling_unit_id is not None and case.handling_unit_id in handler_unit_ids(user)
    if permission == "cases.view" and case.handling_unit_id in handler_unit_ids(user):
        return True
    return can(user, permission, case.region_code)


def sees_reporter(user: Any, case: Case) -> bool:
    """Confidential cases and accusations never show the reporter to the unit complained
    about; everyone else who may see the case sees the masked contact."""
    if not (case.is_confidential or case.petition_class == "accusation"):
        return True
    complained = case.complained_unit_id
    return complained is None or complained not in handler_unit_ids(user)
