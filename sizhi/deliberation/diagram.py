"""docs/domain/motion-workflow.md, generated from the motion workflow table and the default
body rules (``manage.py motion_diagram`` writes it; a test checks it is current)."""

from django.utils.translation import override

from sizhi.core.workflow import mermaid
from sizhi.deliberation import rules
from sizhi.deliberation.config import DEFAULTS
from sizhi.deliberation.workflow import (
    FINAL_STATES,
    OPEN_STATES,
    STEP_OF_STATE,
    TRANSITIONS,
    MotionState,
)

BODY_NAMES = {
    rules.VILLAGERS_ASSEMBLY: "村民会议 villagers' assembly",
    rules.REPRESENTATIVES_ASSEMBLY: "村民代表会议 representatives' assembly",
    rules.GROUP_MEETING: "村民小组会议 group meeting",
    rules.PARTY_MEMBERS_MEETING: "党员大会 party members' meeting",
    rules.COUNCIL: "群众议事会 group council",
    rules.GROUP_PARTY_BRANCH: "组党支部 group party branch",
    rules.PARTY_BRANCH: "党支部 party branch",
    rules.VILLAGERS_COMMITTEE: "村民委员会 villagers' committee",
}


def _standing(state: str) -> str:
    if state in FINAL_STATES:
        return "final"
    if state in OPEN_STATES:
        return "open"
    return "draft"


def _share(share: rules.Share | None) -> str:
    if share is None:
        return "—"
    return f"{'>' if share.strict else '≥'} {share.num}/{share.den}"


def document() -> str:
    with override("zh-hans"):
        labels = {state.value: str(state.label) for state in MotionState}
        moving = {name: t for name, t in TRANSITIONS.items() if t.target}
        order = list(labels)
        lines = [
            "# Motion workflow (议题：四议两公开)",
            "",
            "<!-- Generated from sizhi/deliberation/workflow.py and rules.py by "
            "`manage.py motion_diagram`; do not edit. -->",
            "",
            "## States and the steps of 四议两公开",
            "",
            "① 提议 propose · ② 商议 (两委) admit to appraisal · ③ 审议 review · "
            "④ 决议 resolve · ⑤ 决议公开 · ⑥ 实施结果公开.",
            "",
            "| state | 状态 | step | standing |",
            "|---|---|---|---|",
            *(
                f"| `{s}` | {label} | {STEP_OF_STATE.get(s, '')} | {_standing(s)} |"
                for s, label in labels.items()
            ),
            "",
            "## Diagram",
            "",
            "```mermaid",
            mermaid(moving, labels).rstrip("\n"),
            "```",
            "",
            "## Transitions",
            "",
            "`system` steps are taken by the actions themselves: closing a ballot resolves, "
            "defeats or adjourns; enough co-signers admit a resident's proposal.",
            "",
            "| transition | 动作 | from | to | permission |",
            "|---|---|---|---|---|",
        ]
        for name, transition in TRANSITIONS.items():
            sources = ", ".join(f"`{s}`" for s in sorted(transition.sources, key=order.index))
            target = f"`{transition.target}`" if transition.target else "(unchanged)"
            lines.append(
                f"| `{name}` | {transition.label} | {sources} | {target} | "
                f"`{transition.permission}` |"
            )
        lines += [
            "",
            "## Quorum and majority by body (defaults)",
            "",
            "Quorum is measured against those expected (应到); the household alternative, "
            'where there is one, against households. `SIZHI_DELIBERATION["rules"]` '
            "overrides any of them.",
            "",
            "| body | quorum (persons) | or (households) | passes with yes | of | notice (days) |",
            "|---|---|---|---|---|---|",
        ]
        for kind, name in BODY_NAMES.items():
            rule = rules.DEFAULT_RULES[kind]
            lines.append(
                f"| {name} | {_share(rule.quorum_persons)} | {_share(rule.quorum_households)} "
                f"| {_share(rule.pass_share)} | {rule.majority_of} | {rule.notice_days} |"
            )
        lines += [
            "",
            "A resolution on a matter of art. 24 of the villagers' committee law binds only "
            "when the villagers' assembly, or a representatives' assembly authorised for that "
            "matter on the meeting's date, made it; otherwise it is marked advisory.",
            "",
            "## Other defaults",
            "",
            "| setting | default |",
            "|---|---|",
            *(f"| `{k}` | {v} |" for k, v in DEFAULTS.items() if k != "rules"),
        ]
    return "\n".join(lines) + "\n"
