"""Events written outside the workflow tables (a case's registration, a motion's creation, the
note on cases linked to a published motion) may be chosen one by one, like the steps."""

from typing import Any

import pytest

from sizhi.cases import actions as case_actions
from sizhi.cases.tests.factories import CategoryFactory
from sizhi.webhooks.actions import clean_events
from sizhi.webhooks.forms import event_groups
from sizhi.webhooks.models import Delivery
from sizhi.webhooks.tests.conftest import make_integration, subscribe

pytestmark = pytest.mark.django_db


def test_the_events_outside_the_tables_are_known() -> None:
    assert clean_events(["case.receive", "motion.create", "case.motion_published"]) == [
        "case.receive",
        "motion.create",
        "case.motion_published",
    ]


def test_the_page_offers_them_first_in_their_kind() -> None:
    groups = {kind: steps for kind, _label, steps in event_groups()}
    assert groups["case"][:2] == [
        ("case.receive", "登记"),
        ("case.motion_published", "议事会决议公开"),
    ]
    assert groups["motion"][0] == ("motion.create", "创建")


def test_a_subscription_to_registrations_hears_exactly_them(
    tree: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SIZHI_WEBHOOK_ALLOW_PRIVATE = True
    owner = make_integration(tree.township_a)
    subscription = subscribe(owner, "http://127.0.0.1:9/hook", events=["case.receive"]).subscription
    root = CategoryFactory.create(code="01", name="基础设施")
    leaf = CategoryFactory.create(code="0101", name="路灯", parent=root)
    with django_capture_on_commit_callbacks(execute=True):
        filed = case_actions.submit_case(
            channel="web", kind="complaint", category_id=leaf.pk, title="路灯不亮",
            description="村口路灯不亮。", region_code=tree.group_a1.code,
            contact_phone="13900001234", actor=None,
        )  # fmt: skip
        case_actions.add_note(case_id=filed.case.pk, text="内部备注", actor=None)
    deliveries = list(Delivery.objects.filter(subscription=subscription))
    assert [(d.event_kind, d.payload["transition"]) for d in deliveries] == [("case", "receive")]
