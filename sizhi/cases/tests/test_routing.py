"""The terminal station: which unit handles a case, by default and by the routing rules, and
what dispatching does with it."""

import pytest

from sizhi.accounts.tests.factories import UserFactory
from sizhi.cases import actions
from sizhi.cases.models import RoutingRule
from sizhi.cases.routing import CategoryInfo, Route, UnitInfo, route
from sizhi.cases.tests.factories import CaseFactory, CategoryFactory
from sizhi.core.errors import Invalid
from sizhi.messaging.models import Message
from sizhi.orgs.tests.factories import RoleGrantFactory, UnitFactory

GROUP = "520327101201001"
VILLAGE = "520327101201"
TOWNSHIP = "520327101"
COUNTY = "520327"

CENTRE = UnitInfo(11, "service_centre", VILLAGE)
COMMITTEE = UnitInfo(12, "villagers_committee", VILLAGE)
TOWNSHIP_OFFICE = UnitInfo(21, "township_office", TOWNSHIP)
TOWNSHIP_CENTRE = UnitInfo(22, "service_centre", TOWNSHIP)
OTHER_TOWNSHIP_OFFICE = UnitInfo(23, "township_office", "520327102")
DEPARTMENT = UnitInfo(31, "county_department", COUNTY)
OTHER_DEPARTMENT = UnitInfo(32, "county_department", COUNTY)

VILLAGE_MATTER = CategoryInfo(101, 100, "village", None)
TOWNSHIP_MATTER = CategoryInfo(102, 100, "township", None)
COUNTY_MATTER = CategoryInfo(103, 100, "county", DEPARTMENT.id)
ORPHAN_COUNTY_MATTER = CategoryInfo(104, 100, "county", None)


def _route(category, units=(), rules=(), region=GROUP):
    return route(category=category, region_code=region, rules=rules, units_on_path=units)


# ---------------------------------------------------------------------------------------------
# Pure


def test_a_village_matter_goes_to_the_village_service_centre():
    units = [CENTRE, COMMITTEE, TOWNSHIP_OFFICE]
    assert _route(VILLAGE_MATTER, units) == Route(CENTRE.id, "default")


def test_a_village_without_a_centre_sends_it_to_the_villagers_committee():
    assert _route(VILLAGE_MATTER, [COMMITTEE, TOWNSHIP_OFFICE]) == Route(COMMITTEE.id, "default")


def test_a_village_with_no_unit_sends_it_to_the_township_office():
    assert _route(VILLAGE_MATTER, [TOWNSHIP_OFFICE, TOWNSHIP_CENTRE]) == Route(
        TOWNSHIP_OFFICE.id, "default"
    )


def test_a_township_without_an_office_uses_its_service_centre():
    assert _route(VILLAGE_MATTER, [TOWNSHIP_CENTRE]) == Route(TOWNSHIP_CENTRE.id, "default")


def test_a_township_matter_goes_to_the_township_office_even_with_a_village_centre():
    assert _route(TOWNSHIP_MATTER, [CENTRE, TOWNSHIP_OFFICE]) == Route(
        TOWNSHIP_OFFICE.id, "default"
    )


def test_a_matter_raised_at_a_township_itself_goes_to_the_township_office():
    units = [TOWNSHIP_OFFICE]
    assert _route(VILLAGE_MATTER, units, region=TOWNSHIP) == Route(TOWNSHIP_OFFICE.id, "default")


def test_a_county_matter_goes_to_its_department_never_down():
    units = [CENTRE, TOWNSHIP_OFFICE]
    assert _route(COUNTY_MATTER, units) == Route(DEPARTMENT.id, "default")


def test_a_county_matter_ignores_a_rule_that_would_push_it_to_a_township():
    rules = [(COUNTY_MATTER.id, TOWNSHIP, TOWNSHIP_OFFICE), (COUNTY_MATTER.id, VILLAGE, CENTRE)]
    assert _route(COUNTY_MATTER, [CENTRE, TOWNSHIP_OFFICE], rules) == Route(
        DEPARTMENT.id, "default"
    )


def test_a_county_matter_follows_a_rule_to_another_county_department():
    rules = [(COUNTY_MATTER.id, TOWNSHIP, OTHER_DEPARTMENT)]
    assert _route(COUNTY_MATTER, [], rules) == Route(OTHER_DEPARTMENT.id, "rule")


def test_a_county_matter_without_a_department_has_no_route():
    assert _route(ORPHAN_COUNTY_MATTER, [CENTRE, TOWNSHIP_OFFICE]) == Route(None, "none")


def test_no_unit_anywhere_is_no_route():
    assert _route(VILLAGE_MATTER, []) == Route(None, "none")


def test_a_rule_overrides_the_default():
    rules = [(VILLAGE_MATTER.id, TOWNSHIP, TOWNSHIP_OFFICE)]
    assert _route(VILLAGE_MATTER, [CENTRE], rules) == Route(TOWNSHIP_OFFICE.id, "rule")


def test_the_longest_region_prefix_wins():
    rules = [
        (VILLAGE_MATTER.id, COUNTY, DEPARTMENT),
        (VILLAGE_MATTER.id, VILLAGE, COMMITTEE),
        (VILLAGE_MATTER.id, TOWNSHIP, TOWNSHIP_OFFICE),
    ]
    assert _route(VILLAGE_MATTER, [CENTRE], rules) == Route(COMMITTEE.id, "rule")


def test_a_rule_for_the_parent_category_applies_to_its_children():
    rules = [(VILLAGE_MATTER.parent_id, TOWNSHIP, TOWNSHIP_CENTRE)]
    assert _route(VILLAGE_MATTER, [CENTRE], rules) == Route(TOWNSHIP_CENTRE.id, "rule")


def test_at_the_same_prefix_the_childs_own_rule_beats_the_parents():
    rules = [
        (VILLAGE_MATTER.id, TOWNSHIP, TOWNSHIP_OFFICE),
        (VILLAGE_MATTER.parent_id, TOWNSHIP, TOWNSHIP_CENTRE),
    ]
    assert _route(VILLAGE_MATTER, [CENTRE], rules) == Route(TOWNSHIP_OFFICE.id, "rule")
    assert _route(VILLAGE_MATTER, [CENTRE], rules[::-1]) == Route(TOWNSHIP_OFFICE.id, "rule")


def test_rules_of_other_categories_and_other_places_do_not_apply():
    rules = [
        (TOWNSHIP_MATTER.id, VILLAGE, COMMITTEE),
        (VILLAGE_MATTER.id, "520327102", OTHER_TOWNSHIP_OFFICE),
    ]
    assert _route(VILLAGE_MATTER, [CENTRE], rules) == Route(CENTRE.id, "default")


# ---------------------------------------------------------------------------------------------
# With the database


@pytest.fixture
def county_office_staff(desk):
    user = UserFactory.create()
    RoleGrantFactory.create(user=user, role="handler", unit=desk.county_office)
    return user


def _case(desk, category, **fields):
    return CaseFactory.create(category=category, **fields)


@pytest.mark.django_db
def test_suggest_unit_reads_the_units_and_the_rules(desk):
    case = _case(desk, desk.village_matter)
    assert actions.suggest_unit(case) == Route(desk.village_centre.pk, "default")
    RoutingRule.objects.create(
        category=desk.village_matter.parent, region_code=TOWNSHIP, unit=desk.township_office
    )
    assert actions.suggest_unit(case) == Route(desk.township_office.pk, "rule")
    assert actions.suggest_unit(_case(desk, desk.county_matter)) == Route(
        desk.department.pk, "default"
    )


@pytest.mark.django_db
def test_inactive_units_are_never_suggested(desk):
    case = _case(desk, desk.village_matter)
    RoutingRule.objects.create(
        category=desk.village_matter, region_code=VILLAGE, unit=desk.sibling_centre
    )
    desk.sibling_centre.is_active = False
    desk.sibling_centre.save()
    desk.village_centre.is_active = False
    desk.village_centre.save()
    assert actions.suggest_unit(case) == Route(desk.township_office.pk, "default")


@pytest.mark.django_db
def test_dispatch_without_a_unit_takes_the_suggestion(desk, dispatcher):
    case = _case(desk, desk.township_matter)
    actions.dispatch_case(case_id=case.pk, unit_id=None, actor=dispatcher)
    case.refresh_from_db()
    assert (case.state, case.handling_unit, case.receiving_unit) == (
        "assigned",
        desk.township_office,
        desk.township_office,
    )
    assert case.events.get(transition="dispatch").data["unit"] == desk.township_office.pk


@pytest.mark.django_db
def test_dispatch_without_a_unit_and_nothing_to_suggest_asks_for_one(desk, dispatcher, refused):
    orphan = CategoryFactory.create(
        code="0201", name="无主事项", parent=desk.village_matter.parent, owner_level="county"
    )
    case = _case(desk, orphan)
    error = refused(
        Invalid, lambda: actions.dispatch_case(case_id=case.pk, unit_id=None, actor=dispatcher)
    )
    assert error.fields == {"unit_id": ["请选择有效的承办单位。"]}


@pytest.mark.django_db
@pytest.mark.parametrize("unit", ["township_office", "village_centre"])
def test_a_county_matter_is_never_dispatched_below_the_county(desk, dispatcher, refused, unit):
    case = _case(desk, desk.county_matter)
    error = refused(
        Invalid,
        lambda: actions.dispatch_case(
            case_id=case.pk, unit_id=getattr(desk, unit).pk, actor=dispatcher
        ),
    )
    assert error.fields == {"unit_id": ["该分类属县直部门职责，不能派给乡镇或村。"]}


@pytest.mark.django_db
def test_a_county_matter_is_never_transferred_or_reassigned_below_the_county(
    desk, dispatcher, county_admin, refused
):
    case = _case(desk, desk.county_matter, state="assigned", handling_unit=desk.department)
    error = refused(
        Invalid,
        lambda: actions.transfer_case(
            case_id=case.pk, unit_id=desk.township_office.pk, reason="试试", actor=dispatcher
        ),
    )
    assert error.fields == {"unit_id": ["该分类属县直部门职责，不能派给乡镇或村。"]}
    objected = _case(desk, desk.county_matter, state="objected", handling_unit=desk.department)
    error = refused(
        Invalid,
        lambda: actions.decide_objection(
            case_id=objected.pk, unit_id=desk.township_office.pk, note="改派", actor=county_admin
        ),
    )
    assert error.fields == {"unit_id": ["该分类属县直部门职责，不能派给乡镇或村。"]}


@pytest.mark.django_db
def test_a_unit_outside_the_place_of_the_matter_is_refused(desk, dispatcher, refused):
    case = _case(desk, desk.village_matter)
    error = refused(
        Invalid,
        lambda: actions.dispatch_case(
            case_id=case.pk, unit_id=desk.sibling_centre.pk, actor=dispatcher
        ),
    )
    assert error.fields == {"unit_id": ["承办单位不在事发地所属区域。"]}


@pytest.mark.django_db
def test_an_inactive_unit_is_refused(desk, dispatcher, refused):
    case = _case(desk, desk.village_matter)
    desk.village_centre.is_active = False
    desk.village_centre.save()
    error = refused(
        Invalid,
        lambda: actions.dispatch_case(
            case_id=case.pk, unit_id=desk.village_centre.pk, actor=dispatcher
        ),
    )
    assert error.fields == {"unit_id": ["请选择有效的承办单位。"]}


@pytest.mark.django_db
def test_dispatch_to_a_township_copies_the_county_office(
    desk, dispatcher, township_handler, county_office_staff, django_capture_on_commit_callbacks
):
    # Given a township matter, a handler at the township office and staff of the county office
    case = _case(desk, desk.township_matter, title="乡村道路塌方")
    # When it is dispatched to the township office
    with django_capture_on_commit_callbacks(execute=True):
        actions.dispatch_case(case_id=case.pk, unit_id=desk.township_office.pk, actor=dispatcher)
    # Then the submitter, the township handler and the county office are each told
    assert sorted(Message.objects.values_list("channel", "address", "user", "body")) == sorted(
        [
            ("sms", "13812345678", None, f"您的诉求 {case.number} 已交由 进化镇党政办 办理。"),
            ("inapp", "", township_handler.pk, f"新派单：{case.number} 乡村道路塌方"),
            (
                "inapp",
                "",
                county_office_staff.pk,
                f"抄送：{case.number} 乡村道路塌方 已派至乡镇办理。",
            ),
        ]
    )


@pytest.mark.django_db
def test_dispatch_to_a_village_does_not_copy_the_county_office(
    desk, dispatcher, handler, county_office_staff, django_capture_on_commit_callbacks
):
    case = _case(desk, desk.village_matter)
    with django_capture_on_commit_callbacks(execute=True):
        actions.dispatch_case(case_id=case.pk, unit_id=desk.village_centre.pk, actor=dispatcher)
    assert not Message.objects.filter(user=county_office_staff).exists()
    assert Message.objects.filter(user=handler).count() == 1


@pytest.mark.django_db
def test_a_new_unit_in_a_village_becomes_the_terminal_station(tree, desk):
    committee = UnitFactory.create(region=tree.village_b, kind="villagers_committee")
    desk.sibling_centre.is_active = False
    desk.sibling_centre.save()
    case = _case(desk, desk.village_matter, region=tree.group_b1)
    assert actions.suggest_unit(case) == Route(committee.pk, "default")
