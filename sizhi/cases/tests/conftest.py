"""Units and categories for case tests, on top of the shared tree (see the root conftest)."""

from dataclasses import dataclass
from typing import Any

import pytest

from sizhi.accounts.tests.factories import UserFactory
from sizhi.cases.models import Category
from sizhi.cases.tests.factories import CategoryFactory
from sizhi.orgs.models import Unit, UnitKind
from sizhi.orgs.tests.factories import RoleGrantFactory, UnitFactory


@dataclass
class Desk:
    county_office: Unit
    department: Unit
    township_office: Unit
    village_centre: Unit
    sibling_centre: Unit
    village_matter: Category
    township_matter: Category
    county_matter: Category


@pytest.fixture
def desk(tree: Any) -> Desk:
    county_office = UnitFactory.create(
        region=tree.county, kind=UnitKind.COUNTY_OFFICE, name="县创建办"
    )
    department = UnitFactory.create(
        region=tree.county, kind=UnitKind.COUNTY_DEPARTMENT, name="县水务局"
    )
    township_office = UnitFactory.create(
        region=tree.township_a, kind=UnitKind.TOWNSHIP_OFFICE, name="进化镇党政办"
    )
    village_centre = UnitFactory.create(
        region=tree.village_a, kind=UnitKind.SERVICE_CENTRE, name="临江村便民服务中心"
    )
    sibling_centre = UnitFactory.create(
        region=tree.village_b, kind=UnitKind.SERVICE_CENTRE, name="沙坝村便民服务中心"
    )
    root = CategoryFactory.create(code="01", name="基础设施", owner_level="village")
    return Desk(
        county_office=county_office,
        department=department,
        township_office=township_office,
        village_centre=village_centre,
        sibling_centre=sibling_centre,
        village_matter=CategoryFactory.create(
            code="0101", name="路灯", parent=root, owner_level="village"
        ),
        township_matter=CategoryFactory.create(
            code="0102", name="乡村道路", parent=root, owner_level="township"
        ),
        county_matter=CategoryFactory.create(
            code="0103",
            name="饮水安全",
            parent=root,
            owner_level="county",
            owner_department=department,
        ),
    )


def _user(role: str, **scope: Any) -> Any:
    user = UserFactory()
    RoleGrantFactory(user=user, role=role, **scope)
    return user


@pytest.fixture
def operator(tree: Any) -> Any:
    return _user("operator", region=tree.county)


@pytest.fixture
def dispatcher(tree: Any) -> Any:
    return _user("dispatcher", region=tree.county)


@pytest.fixture
def handler(desk: Desk) -> Any:
    return _user("handler", unit=desk.village_centre)


@pytest.fixture
def sibling_handler(desk: Desk) -> Any:
    return _user("handler", unit=desk.sibling_centre)


@pytest.fixture
def township_handler(desk: Desk) -> Any:
    return _user("handler", unit=desk.township_office)


# ---------------------------------------------------------------------------------------------
# "Nothing changed": every row an action could write or update, and the append-only counts.

SNAPSHOT_MODELS = (
    "Case",
    "CaseEvent",
    "CaseClock",
    "CaseNumber",
    "Extension",
    "Supervision",
    "FollowUp",
    "Attachment",
)


def snapshot() -> dict[str, Any]:
    """Every case-related row (the tests hold a handful), and how many audit rows and
    messages there are."""
    from sizhi.cases import models as case_models
    from sizhi.core.models import AuditLog
    from sizhi.messaging.models import Message

    rows: dict[str, Any] = {
        name: list(getattr(case_models, name).objects.order_by("pk").values())
        for name in SNAPSHOT_MODELS
    }
    rows["AuditLog"] = AuditLog.objects.count()
    rows["Message"] = Message.objects.count()
    return rows


@pytest.fixture
def refused(django_capture_on_commit_callbacks: Any) -> Any:
    """``refused(ErrorClass, call)``: the call raises that error, queues nothing to run after
    commit, and leaves every row as it was. Returns the error."""

    def check(error: type[Exception], call: Any) -> Any:
        before = snapshot()
        with (
            django_capture_on_commit_callbacks(execute=True) as callbacks,
            pytest.raises(error) as info,
        ):
            call()
        assert callbacks == []
        assert snapshot() == before
        return info.value

    return check
