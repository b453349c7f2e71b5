"""A body's page data: members, composition warnings, the rule it decides by."""

import datetime as dt
from typing import Any

import pytest

from sizhi.core.errors import NotFound
from sizhi.deliberation.queries_bodies import body_page
from sizhi.residents.tests.factories import MembershipFactory, PersonFactory


def test_a_council_page_lists_its_members_and_its_rule(bodies: Any) -> None:
    page = body_page(bodies.member_user, bodies.council_a1.pk, today=dt.date(2026, 11, 1))
    assert [m.role for m in page.members] == ["convener", "member", "member", "member", "member"]
    assert page.warnings == []
    assert page.rule == "到会超过二分之一应到人数；赞成票超过二分之一到会人数"


def test_a_representatives_assembly_without_enough_women_is_warned_not_blocked(
    bodies: Any, county_admin: Any
) -> None:
    assembly = bodies.representatives_a
    for n in range(5):
        person = PersonFactory.create(gender="m", household__region=assembly.region)
        MembershipFactory.create(
            person=person, unit=assembly, role="representative" if n else "chair",
            started_on=dt.date(2021, 1, 1), term_ends_on=dt.date(2026, 1, 1),
        )  # fmt: skip
    page = body_page(county_admin, assembly.pk, today=dt.date(2026, 11, 1))
    assert page.warnings == [
        "妇女村民代表应占村民代表会议组成人员的三分之一以上（现为0/5）。",
        "有5名成员任期已届满，应及时换届。",
    ]


def test_another_villages_body_is_not_found(bodies: Any, other_village_cadre: Any) -> None:
    with pytest.raises(NotFound):
        body_page(other_village_cadre, bodies.council_a1.pk)


def test_the_body_page_shows_members_terms_and_warnings(
    bodies: Any, client: Any, county_admin: Any
) -> None:
    assembly = bodies.representatives_a
    person = PersonFactory.create(gender="m", name="王大明", household__region=assembly.region)
    MembershipFactory.create(
        person=person, unit=assembly, role="representative",
        started_on=dt.date(2024, 1, 1), term_ends_on=dt.date(2029, 1, 1),
    )  # fmt: skip
    client.force_login(county_admin)
    response = client.get(f"/deliberation/bodies/{assembly.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "妇女村民代表应占村民代表会议组成人员的三分之一以上（现为0/1）。" in html
    assert "王**" in html
    assert "王大明" not in html
    assert "2029-01-01" in html
    assert "到会不少于三分之二应到人数；赞成票超过二分之一到会人数" in html


def test_the_body_page_is_not_found_outside_ones_scope(
    bodies: Any, client: Any, other_village_cadre: Any
) -> None:
    client.force_login(other_village_cadre)
    assert client.get(f"/deliberation/bodies/{bodies.council_a1.pk}/").status_code == 404
    client.logout()
    response = client.get(f"/deliberation/bodies/{bodies.council_a1.pk}/")
    assert response.status_code == 302
