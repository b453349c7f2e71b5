"""The case workflow as a table (pure: no queries, no request, no settings).

received → accepted (or declined) → assigned → in progress → replied → followed up → closed,
with objection and arbitration, transfer, extension, escalation, reopening, merging of
duplicates, and for petitions the 复查/复核 chain ending in terminated.
"""

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sizhi.core.errors import InvalidState
from sizhi.core.workflow import Transition, table, transition_for


class CaseState(models.TextChoices):
    RECEIVED = "received", _("已登记")
    ACCEPTED = "accepted", _("已受理")
    DECLINED = "declined", _("不予受理")
    ASSIGNED = "assigned", _("已派单")
    OBJECTED = "objected", _("异议待裁定")
    IN_PROGRESS = "in_progress", _("办理中")
    REPLIED = "replied", _("已答复")
    FOLLOWED_UP = "followed_up", _("已回访")
    CLOSED = "closed", _("已办结")
    MERGED = "merged", _("已并单")
    REVIEW_REQUESTED = "review_requested", _("复查中")
    REVIEWED = "reviewed", _("已复查")
    RECHECK_REQUESTED = "recheck_requested", _("复核中")
    TERMINATED = "terminated", _("已终结")


S = CaseState
OPEN_STATES = frozenset(
    {S.RECEIVED, S.ACCEPTED, S.ASSIGNED, S.OBJECTED, S.IN_PROGRESS, S.REPLIED, S.FOLLOWED_UP}
)
BEFORE_HANDLING = frozenset({S.RECEIVED, S.ACCEPTED, S.ASSIGNED, S.OBJECTED})
WITH_UNIT = frozenset({S.ASSIGNED, S.IN_PROGRESS})
# A petition's 复查/复核 is still being worked on: its files may still come in.
REVIEWING = frozenset({S.REVIEW_REQUESTED, S.RECHECK_REQUESTED})
FINAL_STATES = frozenset({S.DECLINED, S.CLOSED, S.MERGED, S.TERMINATED})


def _act(label: str) -> Promise:
    """A step's name where the same words also name a state or a record (不予受理 the step and
    the state, 督办 the step and the supervision), so that each can be translated apart."""
    return pgettext_lazy("case step", label)


def _t(
    name: str, sources: frozenset[str] | set[str], target: str, permission: str, label: Promise
) -> Transition:
    return Transition(name, frozenset(sources), target, permission, label)


TRANSITIONS = table(
    [
        _t("accept", {S.RECEIVED}, S.ACCEPTED, "cases.dispatch", _("受理")),
        _t("decline", {S.RECEIVED}, S.DECLINED, "cases.dispatch", _act("不予受理")),
        _t("dispatch", {S.RECEIVED, S.ACCEPTED}, S.ASSIGNED, "cases.dispatch", _("派单")),
        _t("sign_for", {S.ASSIGNED}, S.IN_PROGRESS, "cases.handle", _("签收")),
        _t("object", {S.ASSIGNED}, S.OBJECTED, "cases.handle", _("提出异议（退单）")),
        _t("uphold", {S.OBJECTED}, S.ASSIGNED, "cases.arbitrate", _("裁定维持原派单")),
        _t("reassign", {S.OBJECTED}, S.ASSIGNED, "cases.arbitrate", _("裁定改派")),
        _t("transfer", WITH_UNIT, S.ASSIGNED, "cases.dispatch", _("转派")),
        _t("contact", {S.IN_PROGRESS}, "", "cases.handle", _("联系诉求人")),
        _t("reply", {S.IN_PROGRESS}, S.REPLIED, "cases.handle", _("答复")),
        _t("follow_up", {S.REPLIED}, S.FOLLOWED_UP, "cases.follow_up", _("回访")),
        _t("close", {S.FOLLOWED_UP, S.REPLIED}, S.CLOSED, "cases.follow_up", _("办结")),
        _t("reopen", {S.FOLLOWED_UP}, S.IN_PROGRESS, "cases.follow_up", _("退回重办")),
        _t("merge", BEFORE_HANDLING | {S.IN_PROGRESS}, S.MERGED, "cases.dispatch", _("并单")),
        # Records that leave the state as it is.
        _t("request_extension", {S.IN_PROGRESS}, "", "cases.handle", _("申请延期")),
        _t("approve_extension", {S.IN_PROGRESS}, "", "cases.arbitrate", _("批准延期")),
        _t("reject_extension", {S.IN_PROGRESS}, "", "cases.arbitrate", _("驳回延期")),
        _t("pause_clock", {S.IN_PROGRESS}, "", "cases.handle", _("暂停计时")),
        _t("resume_clock", {S.IN_PROGRESS}, "", "cases.handle", _("恢复计时")),
        _t("escalate", OPEN_STATES, "", "cases.supervise", _act("督办")),
        _t("repeat", OPEN_STATES, "", "cases.intake", _("重复诉求")),
        _t("add_note", OPEN_STATES, "", "cases.view", _("内部备注")),
        _t("add_information", OPEN_STATES, "", "cases.submitter", _("补充材料")),
        _t("attach", OPEN_STATES | REVIEWING, "", "cases.view", _("上传附件")),
        # Petitions (信访): 复查 and 复核 by the next higher body, then terminated.
        _t("request_review", {S.CLOSED}, S.REVIEW_REQUESTED, "cases.submitter", _("申请复查")),
        _t("issue_review", {S.REVIEW_REQUESTED}, S.REVIEWED, "cases.review", _("出具复查意见")),
        _t("request_recheck", {S.REVIEWED}, S.RECHECK_REQUESTED, "cases.submitter", _("申请复核")),
        _t("issue_recheck", {S.RECHECK_REQUESTED}, S.TERMINATED, "cases.review", _("出具复核意见")),
        _t("terminate", {S.CLOSED, S.REVIEWED}, S.TERMINATED, "cases.review", _("终结")),
    ]
)

# Transitions whose target is "" keep the state they start from.
STAYING = frozenset(name for name, t in TRANSITIONS.items() if t.target == "")
PETITION_ONLY = frozenset(
    {"request_review", "issue_review", "request_recheck", "issue_recheck", "terminate"}
)


def target_of(name: str, current: str) -> str:
    target = TRANSITIONS[name].target
    return target or current


def transition_of(name: str, current: str, kind: str) -> Transition:
    """The transition ``name`` for a case of ``kind`` in state ``current``, or InvalidState:
    the table's sources, plus the two rules that depend on the kind: the 复查/复核 steps are
    for petitions only, and a petition being handled is not merged away (each petition gets
    its own written answer)."""
    transition = transition_for(TRANSITIONS, name, current)
    if name in PETITION_ONLY and kind != "petition":
        raise InvalidState
    if name == "merge" and kind == "petition" and current == S.IN_PROGRESS:
        raise InvalidState
    return transition
