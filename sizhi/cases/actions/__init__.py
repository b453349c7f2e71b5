"""Every change to cases. The public surface of the app, with cases.queries."""

from sizhi.cases.actions.base import transition_case
from sizhi.cases.actions.dispatching import (
    accept_case,
    decide_objection,
    decline_case,
    dispatch_case,
    escalate_case,
    object_to_case,
    suggest_unit,
    transfer_case,
)
from sizhi.cases.actions.files import attach_files
from sizhi.cases.actions.handling import (
    add_information,
    add_note,
    close_case,
    decide_extension,
    follow_up_case,
    merge_cases,
    pause_case_clock,
    record_contact,
    reply_to_case,
    request_extension,
    resume_case_clock,
    review_petition,
    sign_for_case,
)
from sizhi.cases.actions.intake import Submitted, allocate_number, submit_case
from sizhi.cases.actions.linked import tell_submitters_of_motion

__all__ = [
    "Submitted",
    "accept_case",
    "add_information",
    "add_note",
    "allocate_number",
    "attach_files",
    "close_case",
    "decide_extension",
    "decide_objection",
    "decline_case",
    "dispatch_case",
    "escalate_case",
    "follow_up_case",
    "merge_cases",
    "object_to_case",
    "pause_case_clock",
    "record_contact",
    "reply_to_case",
    "request_extension",
    "resume_case_clock",
    "review_petition",
    "sign_for_case",
    "submit_case",
    "suggest_unit",
    "tell_submitters_of_motion",
    "transfer_case",
    "transition_case",
]
