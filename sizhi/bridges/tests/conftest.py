"""Cases clustered in the shared tree (root conftest), and the deliberation bodies of group A1
(deliberation's test conftest)."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from sizhi.cases.models import Case, Category
from sizhi.cases.tests.factories import CaseFactory, CategoryFactory
from sizhi.deliberation.tests.conftest import bodies  # noqa: F401 - a fixture used here

PHONE_1 = "13900000001"
PHONE_2 = "13900000002"


@dataclass
class Cases:
    lamps: Category
    roads: Category
    lamps_a1: list[Case]  # the cluster of group A1: four street-lamp cases
    roads_a: list[Case]  # the cluster of village A itself: three road cases
    lamps_b1: list[Case]  # the cluster of group B1 (the sibling village)


def _days_ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


@pytest.fixture
def cases(tree: Any) -> Cases:
    """Group A1: four street-lamp cases that count (one filed 200 days ago but still open, two
    by the same phone, one anonymous) and five that do not (closed long ago, merged, declined,
    confidential, praise), and one road case. Village A: three road cases. Group B1: three
    street-lamp cases."""
    root = CategoryFactory.create(code="01", name="基础设施")
    lamps = CategoryFactory.create(code="0101", name="路灯", parent=root)
    roads = CategoryFactory.create(code="0102", name="乡村道路", parent=root)
    a1 = {"category": lamps, "region": tree.group_a1}
    lamps_a1 = [
        CaseFactory.create(
            **a1, contact_phone=PHONE_1, state="assigned", received_at=_days_ago(200)
        ),
        CaseFactory.create(**a1, contact_phone=PHONE_1),
        CaseFactory.create(**a1, contact_phone=PHONE_2, state="closed", received_at=_days_ago(10)),
        CaseFactory.create(**a1, contact_phone="", is_anonymous=True),
    ]
    CaseFactory.create(**a1, state="closed", received_at=_days_ago(200))
    CaseFactory.create(**a1, state="merged")
    CaseFactory.create(**a1, state="declined")
    CaseFactory.create(**a1, is_confidential=True)
    CaseFactory.create(**a1, kind="praise")
    CaseFactory.create(category=roads, region=tree.group_a1)
    roads_a = [CaseFactory.create(category=roads, region=tree.village_a) for _ in range(3)]
    lamps_b1 = [CaseFactory.create(category=lamps, region=tree.group_b1) for _ in range(3)]
    return Cases(lamps, roads, lamps_a1, roads_a, lamps_b1)
