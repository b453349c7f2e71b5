"""Seven cases taken through the actions at controlled times, with known numbers.

A  village A1  on time all along, solved, very satisfied (5), closed after 27 h
B  village A1  replied late, unsolved (2) and reopened, re-handled on time, solved, fair (3)
C  village A1  transferred to the township office, handled there on time, resident unreachable
D  village A1  extension approved, never contacted: both clocks overdue and still running
E  village A1  received in April, not dispatched
F  township B  received, not dispatched, another category
G  village B1  handled by the sibling centre on time, solved, satisfied (4), closed after 7 h
"""

import datetime as dt
import itertools
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
import time_machine

from sizhi.cases import actions
from sizhi.cases.models import Case

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 4, 10, 12, 0, tzinfo=TZ)
GROUP_A1 = "520327101201001"
GROUP_B1 = "520327101202001"
TOWNSHIP_B = "520327102"
_phones = itertools.count(13700000001)


def at(day: str) -> time_machine.travel:
    moment = dt.datetime.strptime(day, "%Y-%m-%d %H:%M").replace(tzinfo=TZ)
    return time_machine.travel(moment, tick=False)


@dataclass
class Scenario:
    cases: dict[str, Case]


def _file(desk, operator, name, when, region_code=GROUP_A1, category=None):
    with at(when):
        return actions.submit_case(
            channel="hotline",
            kind="complaint",
            category_id=(category or desk.village_matter).pk,
            title=f"诉求{name}",
            description=f"路灯坏了（{name}）",
            region_code=region_code,
            contact_name="张三",
            contact_phone=str(next(_phones)),
            actor=operator,
        ).case


@pytest.fixture
def scenario(
    desk, operator, dispatcher, handler, township_handler, sibling_handler, county_admin
) -> Scenario:
    c = {}

    def step(when, action, **kwargs):
        with at(when):
            return action(**kwargs)

    c["A"] = a = _file(desk, operator, "A", "2026-03-02 09:00")
    step("2026-03-02 09:30", actions.dispatch_case, case_id=a.pk, unit_id=None, actor=dispatcher)
    step("2026-03-02 10:00", actions.sign_for_case, case_id=a.pk, actor=handler)
    step("2026-03-02 11:00", actions.record_contact, case_id=a.pk, note="已联系", actor=handler)
    step("2026-03-03 10:00", actions.reply_to_case, case_id=a.pk, text="已修好", actor=handler)
    step(
        "2026-03-03 12:00",
        actions.follow_up_case,
        case_id=a.pk,
        contacted=True,
        solved=True,
        satisfaction=5,
        actor=operator,
    )

    c["B"] = b = _file(desk, operator, "B", "2026-03-02 09:00")
    step("2026-03-02 09:30", actions.dispatch_case, case_id=b.pk, unit_id=None, actor=dispatcher)
    step("2026-03-02 10:00", actions.sign_for_case, case_id=b.pk, actor=handler)
    step("2026-03-16 10:00", actions.reply_to_case, case_id=b.pk, text="已处理", actor=handler)
    step(
        "2026-03-16 12:00",
        actions.follow_up_case,
        case_id=b.pk,
        contacted=True,
        solved=False,
        satisfaction=2,
        actor=operator,
    )
    step("2026-03-17 10:00", actions.reply_to_case, case_id=b.pk, text="已重修", actor=handler)
    step(
        "2026-03-17 12:00",
        actions.follow_up_case,
        case_id=b.pk,
        contacted=True,
        solved=True,
        satisfaction=3,
        actor=operator,
    )

    c["C"] = cc = _file(desk, operator, "C", "2026-03-02 09:00")
    step("2026-03-02 09:30", actions.dispatch_case, case_id=cc.pk, unit_id=None, actor=dispatcher)
    step(
        "2026-03-02 10:00",
        actions.transfer_case,
        case_id=cc.pk,
        unit_id=desk.township_office.pk,
        reason="需乡镇协调",
        actor=dispatcher,
    )
    step("2026-03-02 11:00", actions.sign_for_case, case_id=cc.pk, actor=township_handler)
    step(
        "2026-03-02 12:00",
        actions.record_contact,
        case_id=cc.pk,
        note="已联系",
        actor=township_handler,
    )
    step(
        "2026-03-04 10:00",
        actions.reply_to_case,
        case_id=cc.pk,
        text="已办",
        actor=township_handler,
    )
    step(
        "2026-03-04 11:00",
        actions.follow_up_case,
        case_id=cc.pk,
        contacted=False,
        solved=None,
        satisfaction=None,
        actor=operator,
    )

    c["D"] = d = _file(desk, operator, "D", "2026-03-02 09:00")
    step("2026-03-02 09:30", actions.dispatch_case, case_id=d.pk, unit_id=None, actor=dispatcher)
    step("2026-03-02 10:00", actions.sign_for_case, case_id=d.pk, actor=handler)
    step(
        "2026-03-02 11:00", actions.request_extension, case_id=d.pk, reason="需采购", actor=handler
    )
    step(
        "2026-03-02 12:00",
        actions.decide_extension,
        case_id=d.pk,
        approve=True,
        note="同意",
        actor=county_admin,
    )

    c["E"] = _file(desk, operator, "E", "2026-04-01 10:00")
    c["F"] = _file(
        desk,
        operator,
        "F",
        "2026-03-05 09:00",
        region_code=TOWNSHIP_B,
        category=desk.township_matter,
    )

    c["G"] = g = _file(desk, operator, "G", "2026-03-02 09:00", region_code=GROUP_B1)
    step("2026-03-02 09:30", actions.dispatch_case, case_id=g.pk, unit_id=None, actor=dispatcher)
    step("2026-03-02 10:00", actions.sign_for_case, case_id=g.pk, actor=sibling_handler)
    step(
        "2026-03-02 14:00",
        actions.record_contact,
        case_id=g.pk,
        note="已联系",
        actor=sibling_handler,
    )
    step(
        "2026-03-02 15:00", actions.reply_to_case, case_id=g.pk, text="已修", actor=sibling_handler
    )
    step(
        "2026-03-02 16:00",
        actions.follow_up_case,
        case_id=g.pk,
        contacted=True,
        solved=True,
        satisfaction=4,
        actor=operator,
    )
    for case in c.values():
        case.refresh_from_db()
    return Scenario(c)
