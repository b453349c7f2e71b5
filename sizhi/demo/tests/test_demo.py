"""The demo county: exact counts of the small profile, determinism, idempotency, accounts,
personal data and region codes. The small profile is built once for the module inside a
transaction that is rolled back at the end; each test runs in a savepoint within it."""

import datetime as dt
import random
import re
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F, Q

from sizhi.accounts.models import User
from sizhi.core.models import AuditLog
from sizhi.core.pii import is_id_number
from sizhi.demo.builder import (
    BUILD_ACTION,
    DEFAULT_SEED,
    PROFILE_FULL,
    PROFILE_SMALL,
    DemoError,
    build_demo,
    reset_demo,
)
from sizhi.demo.fenggang import (
    HOME_GROUP,
    HOME_VILLAGE,
    SMALL_TOWNSHIP,
    TOTAL_COUNCIL_MEMBERS,
    TOTAL_GROUP_PARTY_BRANCHES,
    TOTAL_GROUPS,
    TOWNSHIPS,
    chinese_number,
    township_by_code,
)
from sizhi.demo.people import new_id_number
from sizhi.demo.personas import DEMO_PASSWORD, PERSONAS
from sizhi.demo.plan import apportion, branch_quota, member_quota, plan_township
from sizhi.orgs.models import Region, RoleGrant, ServicePoint, Unit, UnitKind
from sizhi.orgs.roles import Role
from sizhi.orgs.standards import FACILITIES, STANDARDS, compliance
from sizhi.residents.models import Household, Membership, MembershipRole, Person, Selection

JINHUA = township_by_code(SMALL_TOWNSHIP)
# What the small profile must hold, from the place data in sizhi/demo/fenggang.py.
SMALL_GROUPS = 211  # 32 + 26 + 21 + 28 + 29 + 29 + 27 + 19 groups in 进化镇's 8 villages
SMALL_BRANCHES = 51  # 522 apportioned by groups: 522 * 211 / 2169 = 50.78 → 51
SMALL_MEMBERS = 977  # 10,038 apportioned by groups: 10038 * 211 / 2169 = 976.5 → 977
SMALL_PARTY_SEATS = 2967  # party members' seats in their branches, besides the secretaries
# The cases cover the year before the build; a fixed build time keeps them the same.
AS_OF = dt.datetime(2026, 6, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="module")
def small_demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        report = build_demo(profile=PROFILE_SMALL, seed=DEFAULT_SEED, as_of=AS_OF)
        yield report
        transaction.set_rollback(True)


@pytest.fixture
def demo(small_demo, db):
    """The module's small demo, with this test's changes rolled back after it."""
    return small_demo


@pytest.fixture(scope="module")
def jinhua_plan():
    return plan_township(DEFAULT_SEED, JINHUA)


def test_place_data_adds_up_to_the_published_totals():
    assert sum(t.group_count for t in TOWNSHIPS) == TOTAL_GROUPS == 2169
    assert len(TOWNSHIPS) == 14
    assert sum(len(t.villages) for t in TOWNSHIPS) == 88
    assert sum(branch_quota(t) for t in TOWNSHIPS) == TOTAL_GROUP_PARTY_BRANCHES == 522
    assert sum(member_quota(t) for t in TOWNSHIPS) == TOTAL_COUNCIL_MEMBERS == 10038
    assert JINHUA.group_count == SMALL_GROUPS
    assert branch_quota(JINHUA) == SMALL_BRANCHES
    assert member_quota(JINHUA) == SMALL_MEMBERS


def test_apportion_splits_exactly_by_largest_remainder():
    assert apportion(10, [1, 1, 1]) == [4, 3, 3]
    assert apportion(7, [2, 5]) == [2, 5]
    assert apportion(5, [1, 2, 2]) == [1, 2, 2]


def test_chinese_number_names_groups():
    assert [chinese_number(n) for n in (1, 3, 10, 12, 20, 35)] == [
        "一", "三", "十", "十二", "二十", "三十五"
    ]  # fmt: skip


def test_small_profile_builds_expected_regions(demo):
    assert demo.created is True
    by_level = dict(Region.objects.values_list("level").annotate(n=Count("pk")).order_by())
    assert by_level == {"county": 1, "township": 14, "village": 8, "group": SMALL_GROUPS}
    assert Region.objects.get(code="520327").name == "凤冈县"
    assert Region.objects.get(code="520327101").name == "进化镇"
    assert Region.objects.get(code="520327101201").name == "临江村"
    assert Region.objects.get(code="520327106").name == "永安镇"
    assert Region.objects.get(code="520327200").kind == "township"  # 石径乡
    assert Region.objects.get(code="520327101").kind == "town"
    assert Region.objects.get(code="520327101201003").name == "三组"
    assert Region.objects.get(code="520327101201001").pinyin == "linpingzu"
    assert Region.objects.get(code="520327101201").initials == "ljc"
    assert (
        not Region.objects.exclude(parent__isnull=True)
        .exclude(code__startswith=F("parent__code"))
        .exists()
    )


def test_small_profile_builds_expected_units(demo):
    by_kind = dict(Unit.objects.values_list("kind").annotate(n=Count("pk")).order_by())
    assert by_kind == {
        "county_office": 1,
        "hotline_centre": 1,
        "county_department": 13,
        "mass_work_centre": 1,
        "mass_work_station": 14,
        "service_centre": 1 + 14 + 8,
        "party_committee": 14,
        "township_office": 14,
        "party_branch": 8,
        "villagers_committee": 8,
        "villagers_assembly": 8,
        "representatives_assembly": 8,
        "mass_work_room": 8,
        "group_party_branch": SMALL_BRANCHES,
        "council": SMALL_GROUPS,
        "mass_work_point": SMALL_GROUPS,
    }
    assert Unit.objects.filter(parent__isnull=True).count() == 1
    council = Unit.objects.get(region_code=HOME_GROUP, kind=UnitKind.COUNCIL)
    assert council.parent is not None
    assert council.parent.kind == UnitKind.PARTY_BRANCH
    assert council.parent.region_code == HOME_VILLAGE
    # The article's two group party branches of 临江村.
    names = set(
        Unit.objects.filter(
            region_code__startswith=HOME_VILLAGE, kind=UnitKind.GROUP_PARTY_BRANCH
        ).values_list("name", flat=True)
    )
    assert {"临江村临平组党支部", "临江村街坝组党支部"} <= names


def test_small_profile_seats_exact_council_members(demo):
    council = Membership.objects.filter(unit__kind=UnitKind.COUNCIL)
    assert council.count() == SMALL_MEMBERS
    assert demo.counts["council_members"] == SMALL_MEMBERS
    conveners = council.filter(role=MembershipRole.CONVENER)
    assert conveners.count() == SMALL_GROUPS
    assert conveners.values("unit").distinct().count() == SMALL_GROUPS
    sizes = council.values("unit").annotate(n=Count("pk")).values_list("n", flat=True)
    assert min(sizes) >= 3
    assert max(sizes) <= 9
    assert not council.exclude(selection=Selection.ELECTED).exists()
    seat = council.order_by("pk")[0]
    assert seat.term_ends_on is not None
    assert (seat.started_on.isoformat(), seat.term_ends_on.isoformat()) == (
        "2024-03-01",
        "2029-02-28",
    )
    secretaries = Membership.objects.filter(
        unit__kind=UnitKind.GROUP_PARTY_BRANCH, role=MembershipRole.SECRETARY
    )
    assert secretaries.count() == SMALL_BRANCHES
    assert not secretaries.filter(person__is_party_member=False).exists()
    # Every party member sits in the branch of their group, or of their village where the
    # group has none; 临江村's representatives' assembly has its chair and two per group.
    branches = [UnitKind.GROUP_PARTY_BRANCH, UnitKind.PARTY_BRANCH]
    party = Membership.objects.filter(unit__kind__in=branches, role=MembershipRole.MEMBER)
    assert party.count() == SMALL_PARTY_SEATS
    assert not party.filter(person__is_party_member=False).exists()
    assert (
        not Person.objects.filter(is_party_member=True)
        .exclude(memberships__unit__kind__in=branches)
        .exists()
    )
    representatives = Membership.objects.filter(unit__kind=UnitKind.REPRESENTATIVES_ASSEMBLY)
    assert representatives.count() == 1 + 2 * 32
    assert Membership.objects.count() == (
        SMALL_MEMBERS + SMALL_BRANCHES + 8 + 8 + SMALL_PARTY_SEATS + 1 + 2 * 32
    )
    # Council members live in their council's group and are adults.
    assert not council.exclude(person__region_code=F("region_code")).exists()
    assert not council.filter(person__birth_year__gt=2025 - 18).exists()


def test_small_profile_households_match_the_plan(demo, jinhua_plan):
    assert Household.objects.count() == len(jinhua_plan.households)
    assert Person.objects.count() == len(jinhua_plan.persons)
    assert sum(Household.objects.values_list("size", flat=True)) == Person.objects.count()
    assert not Household.objects.annotate(n=Count("members")).exclude(n=F("size")).exists()
    heads = Person.objects.filter(relation="head").values("household").annotate(n=Count("pk"))
    assert heads.count() == Household.objects.count()
    assert set(heads.values_list("n", flat=True)) == {1}
    household = Household.objects.filter(region_code="520327101201003").order_by("pk")[0]
    assert household.address == "进化镇临江村三组1号"
    assert household.number == "520327101201003-001"
    party_share = Person.objects.filter(is_party_member=True).count() / Person.objects.count()
    assert 0.07 <= party_share <= 0.08


def test_small_profile_service_points(demo):
    assert ServicePoint.objects.count() == 1 + 14 + 8 + SMALL_GROUPS
    assert not ServicePoint.objects.exclude(region_code=F("region__code")).exists()
    complete = incomplete = 0
    for code, facilities in ServicePoint.objects.values_list("region_code", "facilities"):
        level = {6: "county", 9: "township", 12: "village", 15: "group"}[len(code)]
        assert set(facilities) <= set(FACILITIES)
        missing, _optional = compliance(level, facilities)
        assert len(missing) <= 1
        complete += not missing
        incomplete += bool(missing)
    assert complete > 8 * incomplete > 0
    assert "masses_home" in ServicePoint.objects.get(region_code="520327106").facilities


def test_plan_is_deterministic_for_a_seed(jinhua_plan):
    again = plan_township(DEFAULT_SEED, JINHUA)
    assert [p.name for p in again.persons] == [p.name for p in jinhua_plan.persons]
    assert [h.address for h in again.households] == [h.address for h in jinhua_plan.households]
    assert again.council_seats == jinhua_plan.council_seats
    assert again.facilities == jinhua_plan.facilities
    other = plan_township(DEFAULT_SEED + 1, JINHUA)
    assert [p.name for p in other.persons[:50]] != [p.name for p in jinhua_plan.persons[:50]]


def test_database_holds_the_plan(demo, jinhua_plan):
    names = list(Person.objects.order_by("pk").values_list("name", "name_pinyin", "birth_year"))
    assert names == [(p.name, p.name_pinyin, p.birth_year) for p in jinhua_plan.persons]
    codes = list(Region.objects.filter(level="group").order_by("code").values_list("code", "name"))
    assert codes == [(g.code, g.name) for v in jinhua_plan.villages for g in v.groups]


def test_names_have_pinyin_with_surname_readings(demo):
    person = Person.objects.filter(name__startswith="曾")[0]
    assert person.name_pinyin.startswith("zeng")
    assert not Person.objects.filter(name_pinyin="").exists()


def test_second_run_creates_nothing(demo):
    before = {
        model: model.objects.count()
        for model in (Region, Unit, Household, Person, Membership, ServicePoint, User, RoleGrant)
    }
    report = build_demo(profile=PROFILE_SMALL, seed=DEFAULT_SEED)
    assert report.created is False
    assert report.counts == demo.counts
    after = {model: model.objects.count() for model in before}
    assert after == before
    assert AuditLog.objects.filter(action=BUILD_ACTION).count() == 1


def test_second_run_with_another_profile_or_seed_refuses(demo):
    with pytest.raises(DemoError):
        build_demo(profile=PROFILE_FULL, seed=DEFAULT_SEED)
    with pytest.raises(DemoError):
        build_demo(profile=PROFILE_SMALL, seed=1)


def test_reset_rebuilds_the_same_data(demo):
    names = list(Person.objects.order_by("pk").values_list("name", flat=True)[:200])
    report = build_demo(profile=PROFILE_SMALL, seed=DEFAULT_SEED, reset=True, as_of=AS_OF)
    assert report.created is True
    assert report.counts == demo.counts
    assert list(Person.objects.order_by("pk").values_list("name", flat=True)[:200]) == names
    assert User.objects.filter(phone__in=[p.phone for p in PERSONAS]).count() == len(PERSONAS)
    assert AuditLog.objects.filter(action="demo.reset").count() == 1


def test_county_not_built_by_the_demo_is_left_alone(demo):
    reset_demo()
    assert not Region.objects.exists()
    Region.objects.create(code="520327", name="凤冈县", level="county", kind="county")
    with pytest.raises(DemoError):
        build_demo(profile=PROFILE_SMALL, seed=DEFAULT_SEED)
    with pytest.raises(DemoError):
        build_demo(profile=PROFILE_SMALL, seed=DEFAULT_SEED, reset=True)


def test_every_persona_has_an_account_with_its_grant(demo):
    expected = {
        "13900000001": (Role.COUNTY_ADMIN, "520327", None),
        "13900000002": (Role.SUPERVISOR, "520327", None),
        "13900000003": (Role.OPERATOR, "520327", None),
        "13900000004": (Role.DISPATCHER, "520327", None),
        "13900000005": (Role.CADRE, "520327101", None),
        "13900000006": (Role.CADRE, "520327101201", None),
        "13900000007": (Role.CADRE, "520327101202", None),
        "13900000008": (Role.HANDLER, "520327101", UnitKind.SERVICE_CENTRE),
        "13900000009": (Role.CONVENER, HOME_GROUP, UnitKind.COUNCIL),
        "13900000010": (Role.BRANCH_SECRETARY, HOME_VILLAGE, UnitKind.PARTY_BRANCH),
        "13900000011": (Role.COUNCIL_MEMBER, HOME_GROUP, None),
        "13900000012": (Role.RESIDENT, HOME_GROUP, None),
    }
    assert len(demo.accounts) == len(PERSONAS) == len(expected)
    for phone, (role, code, unit_kind) in expected.items():
        user = User.objects.get(phone=phone)
        assert user.check_password(DEMO_PASSWORD)
        assert user.is_active
        assert not user.is_superuser
        grant = RoleGrant.objects.get(user=user)
        assert (grant.role, grant.region_code) == (role, code)
        if unit_kind:
            assert grant.region is None
            assert grant.unit is not None
            assert grant.unit.kind == unit_kind
        else:
            assert grant.unit is None
            assert grant.region is not None
            assert grant.region.code == code
    assert User.objects.get(phone="13900000001").is_staff
    assert not User.objects.filter(is_staff=True).exclude(phone="13900000001").exists()


def test_resident_personas_are_linked_to_their_person(demo):
    convener = Person.objects.get(user__phone="13900000009")
    assert Membership.objects.get(person=convener, unit__kind=UnitKind.COUNCIL).role == "convener"
    assert convener.region_code == HOME_GROUP
    secretary = Person.objects.get(user__phone="13900000010")
    seat = Membership.objects.get(person=secretary, unit__kind=UnitKind.PARTY_BRANCH)
    assert (seat.role, seat.region_code) == ("secretary", HOME_VILLAGE)
    member = Person.objects.get(user__phone="13900000011")
    assert Membership.objects.get(person=member).role == "member"
    resident = Person.objects.get(user__phone="13900000012")
    assert resident.region_code == HOME_GROUP
    assert not Membership.objects.filter(person=resident).exists()
    assert resident.name == User.objects.get(phone="13900000012").name
    assert Person.objects.filter(user__phone__in=[p.phone for p in PERSONAS]).count() == 4


def test_persons_hold_only_hashed_id_numbers(demo):
    assert not Person.objects.exclude(id_hash__regex=r"^[0-9a-f]{64}$").exists()
    assert not Person.objects.exclude(id_last4__regex=r"^[0-9]{3}[0-9X]$").exists()
    assert Person.objects.values("id_hash").distinct().count() == Person.objects.count()
    id_like = re.compile(r"\d{17}[\dX]")
    for row in Person.objects.values_list("name", "name_pinyin", "phone", "id_hash"):
        assert not any(id_like.search(value) for value in row[:3])
    for number, address in Household.objects.values_list("number", "address"):
        assert not id_like.search(number.replace("-", "x"))
        assert not id_like.search(address)
    assert not id_like.search(str(AuditLog.objects.get(action=BUILD_ACTION).changes))
    assert not Person.objects.exclude(phone="").exclude(phone__regex=r"^1[3-9][0-9]{9}$").exists()


def test_generated_id_numbers_are_valid():
    rng = random.Random(7)
    used: set[str] = set()
    for year, gender in [(1950, "m"), (1988, "f"), (2000, "m"), (2024, "f")] * 50:
        number = new_id_number(rng, year, gender, block=13, used=used)
        assert is_id_number(number)
        assert number.startswith(f"520327{year}")
        assert int(number[16]) % 2 == (1 if gender == "m" else 0)
        assert 910 <= int(number[14:17]) < 980
    assert len(used) == 200


def test_region_codes_agree_with_regions_and_units(demo):
    assert not Household.objects.exclude(region_code=F("region__code")).exists()
    assert not Person.objects.exclude(region_code=F("region__code")).exists()
    assert not Person.objects.exclude(region_code=F("household__region_code")).exists()
    assert not Unit.objects.exclude(region_code=F("region__code")).exists()
    assert not Membership.objects.exclude(region_code=F("unit__region_code")).exists()
    assert not RoleGrant.objects.exclude(
        Q(region__code=F("region_code")) | Q(unit__region_code=F("region_code"))
    ).exists()
    assert not Household.objects.exclude(region__level="group").exists()


def test_counts_command_prints_existing_counts(demo):
    out = StringIO()
    call_command("demo", "--counts", stdout=out)
    text = out.getvalue()
    assert re.search(r"群众议事会\s+211\n", text)
    assert re.search(r"议事会成员（含召集人）\s+977\n", text)


def test_command_reports_existing_demo(demo):
    out = StringIO()
    call_command("demo", "--small", "--quiet", stdout=out)
    text = out.getvalue()
    assert "示范数据已存在" in text
    # The logins are printed again, so a second start still shows them.
    assert re.search(r"县级管理员\s+13900000001\s+fenggang2026\s+凤冈县 \(520327\)", text)
    assert text.count("fenggang2026") == 12


def test_compliance_lists_missing_required_and_present_optional():
    township = list(STANDARDS["township"].required)
    assert len(township) == 7
    assert len(STANDARDS["village"].required) == 5
    assert len(STANDARDS["group"].required) == 3
    assert compliance("township", township) == ([], [])
    assert compliance("township", [*township[1:], "masses_home", "baixingtong", "nonsense"]) == (
        ["affairs_service_centre"],
        ["baixingtong", "masses_home"],
    )
    assert compliance("group", []) == (
        ["mass_work_point", "group_council", "convenience_house"],
        [],
    )
    assert compliance("county", {"mass_work_centre", "hotline_12343"}) == (
        ["affairs_service_centre", "public_legal_service_centre"],
        ["hotline_12343"],
    )
    with pytest.raises(ValueError, match="household"):
        compliance("household", [])
