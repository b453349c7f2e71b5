"""The motion workflow as a table (pure: no queries, no request, no settings).

draft → proposed (提议) → appraising (评议) → reviewing (审议) → voting → resolved (决议), or
rejected, or adjourned (流会: quorum failed) → resolution published (决议公开) → implementing →
result published (实施结果公开) → closed; withdrawal by the proposer before review.

How the steps of 四议两公开 map onto it (docs/domain/motion-workflow.md, generated):

- ① 村党组织提议 / 群众提议: ``propose`` (draft → proposed); co-signers or the convener's
  ``admit`` move it on.
- ② 两委商议: ``admit`` (proposed → appraising) opens the appraisal: members and, when the
  motion is public, residents of the group say support / oppose / suggest.
- ③ 党员大会审议: ``start_review`` (appraising → reviewing); the review is a ballot at a
  recorded meeting of the branch or committee; it may ``amend`` the text or ``send_back``.
- ④ 村民会议 / 代表会议决议: ``open_vote`` (reviewing → voting) at a meeting of the deciding
  body given with due notice; closing the ballot applies the body's quorum and majority rule:
  ``resolve``, ``defeat`` or ``adjourn`` (流会, may ``reconvene``).
- ⑤ 决议公开: ``publish_resolution``; ⑥ 实施结果公开: ``publish_result`` after
  ``start_implementation`` and progress reports; ``close`` ends it.
"""

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from sizhi.core.workflow import Transition, table


class MotionState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PROPOSED = "proposed", _("已提议")
    APPRAISING = "appraising", _("评议中")
    REVIEWING = "reviewing", _("审议中")
    VOTING = "voting", _("表决中")
    RESOLVED = "resolved", _("已决议")
    REJECTED = "rejected", _("未通过")
    ADJOURNED = "adjourned", _("流会")
    RESOLUTION_PUBLISHED = "resolution_published", _("决议已公开")
    IMPLEMENTING = "implementing", _("实施中")
    RESULT_PUBLISHED = "result_published", _("结果已公开")
    CLOSED = "closed", _("已办结")
    WITHDRAWN = "withdrawn", _("已撤回")


S = MotionState
BEFORE_REVIEW = frozenset({S.DRAFT, S.PROPOSED, S.APPRAISING})
OPEN_STATES = frozenset(
    {
        S.PROPOSED,
        S.APPRAISING,
        S.REVIEWING,
        S.VOTING,
        S.ADJOURNED,
        S.RESOLVED,
        S.RESOLUTION_PUBLISHED,
        S.IMPLEMENTING,
        S.RESULT_PUBLISHED,
    }
)
FINAL_STATES = frozenset({S.REJECTED, S.CLOSED, S.WITHDRAWN})

# Which step of 四议两公开 each state belongs to (for the record form and the docs).
STEP_OF_STATE: dict[str, str] = {
    S.PROPOSED: "①",
    S.APPRAISING: "②",
    S.REVIEWING: "③",
    S.VOTING: "④",
    S.ADJOURNED: "④",
    S.RESOLVED: "④",
    S.RESOLUTION_PUBLISHED: "⑤",
    S.IMPLEMENTING: "⑥",
    S.RESULT_PUBLISHED: "⑥",
}

# Permissions used in the table:
# deliberation.propose   - a resident or member of the group writes and proposes
# deliberation.proposer  - only the motion's own proposer (decided by the action)
# deliberation.take_part - members and, for a public motion, residents of the group
# deliberation.manage    - the convener or branch secretary of the council, or above
# system                 - only the actions themselves (ballot results, co-sign threshold)


def _t(
    name: str, sources: frozenset[str] | set[str], target: str, permission: str, label: Promise
) -> Transition:
    return Transition(name, frozenset(sources), target, permission, label)


TRANSITIONS = table(
    [
        _t("propose", {S.DRAFT}, S.PROPOSED, "deliberation.proposer", _("提议")),
        _t("cosign", {S.PROPOSED}, "", "deliberation.take_part", _("附议")),
        _t("admit", {S.PROPOSED}, S.APPRAISING, "deliberation.manage", _("受理并交付评议")),
        _t("comment", {S.APPRAISING}, "", "deliberation.take_part", _("评议")),
        _t("start_review", {S.APPRAISING}, S.REVIEWING, "deliberation.manage", _("提交审议")),
        _t("amend", {S.REVIEWING}, "", "deliberation.manage", _("审议修改")),
        _t("send_back", {S.REVIEWING}, S.APPRAISING, "deliberation.manage", _("退回评议")),
        _t("record_review", {S.REVIEWING}, "", "system", _("审议表决")),
        _t("open_vote", {S.REVIEWING}, S.VOTING, "deliberation.manage", _("提交表决")),
        _t("resolve", {S.VOTING}, S.RESOLVED, "system", _("表决通过")),
        _t("defeat", {S.VOTING}, S.REJECTED, "system", _("表决未通过")),
        _t("adjourn", {S.VOTING}, S.ADJOURNED, "system", _("流会")),
        _t("reconvene", {S.ADJOURNED}, S.VOTING, "deliberation.manage", _("重新召集表决")),
        _t(
            "reject",
            {S.PROPOSED, S.APPRAISING, S.REVIEWING},
            S.REJECTED,
            "deliberation.manage",
            _("不予采纳"),
        ),
        _t("withdraw", BEFORE_REVIEW, S.WITHDRAWN, "deliberation.proposer", _("撤回")),
        _t(
            "publish_resolution",
            {S.RESOLVED},
            S.RESOLUTION_PUBLISHED,
            "deliberation.manage",
            _("决议公开"),
        ),
        _t(
            "start_implementation",
            {S.RESOLUTION_PUBLISHED},
            S.IMPLEMENTING,
            "deliberation.manage",
            _("组织实施"),
        ),
        _t("report_progress", {S.IMPLEMENTING}, "", "deliberation.manage", _("报告实施进展")),
        _t("flag_overdue", {S.IMPLEMENTING}, "", "system", _("实施逾期")),
        _t(
            "publish_result",
            {S.IMPLEMENTING},
            S.RESULT_PUBLISHED,
            "deliberation.manage",
            _("实施结果公开"),
        ),
        _t("close", {S.RESULT_PUBLISHED}, S.CLOSED, "deliberation.manage", _("办结")),
        _t("add_note", OPEN_STATES, "", "deliberation.manage", _("备注")),
        # A document or photo added later (the minutes' scan, a revised plan): in any state but
        # the final ones, by those who run the motion.
        _t("attach", OPEN_STATES | {S.DRAFT}, "", "deliberation.manage", _("上传附件")),
    ]
)


def target_of(name: str, source: str) -> str:
    transition = TRANSITIONS[name]
    return transition.target or source


def labels() -> dict[str, str]:
    return {state.value: str(state.label) for state in MotionState}
