"""Every write of deliberation. Adapters (views, API, commands, the demo) call these."""

from sizhi.deliberation.actions.authorisations import grant_authorisation
from sizhi.deliberation.actions.ballots import (
    cast_vote,
    close_ballot,
    record_counts,
    record_votes,
)
from sizhi.deliberation.actions.base import transition_motion
from sizhi.deliberation.actions.files import attach_to_motion
from sizhi.deliberation.actions.meetings import open_ballot, record_attendance, schedule_meeting
from sizhi.deliberation.actions.proposing import (
    admit_motion,
    amend_motion,
    comment_on_motion,
    cosign_motion,
    create_motion,
    note_motion,
    propose_motion,
    reject_motion,
    send_back_motion,
    start_review,
    withdraw_motion,
)
from sizhi.deliberation.actions.publicity import (
    answer_objection,
    close_motion,
    file_objection,
    publish_resolution,
    publish_result,
    report_progress,
    start_implementation,
)
from sizhi.deliberation.actions.sweep import sweep_motions
from sizhi.deliberation.actions.topics import create_topic, send_topic

__all__ = [
    "admit_motion",
    "amend_motion",
    "answer_objection",
    "attach_to_motion",
    "cast_vote",
    "close_ballot",
    "close_motion",
    "comment_on_motion",
    "cosign_motion",
    "create_motion",
    "create_topic",
    "file_objection",
    "grant_authorisation",
    "note_motion",
    "open_ballot",
    "propose_motion",
    "publish_resolution",
    "publish_result",
    "record_attendance",
    "record_counts",
    "record_votes",
    "reject_motion",
    "report_progress",
    "schedule_meeting",
    "send_back_motion",
    "send_topic",
    "start_implementation",
    "start_review",
    "sweep_motions",
    "transition_motion",
    "withdraw_motion",
]
