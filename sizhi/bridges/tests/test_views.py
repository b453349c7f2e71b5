"""The appeals-to-agenda pages: the list of clusters and the form that opens a motion, for
those who may link cases and nobody else."""

from typing import Any

import pytest
from django.urls import reverse

from sizhi.cases.tests.factories import CaseFactory
from sizhi.deliberation.models import LinkedCase, Motion

pytestmark = pytest.mark.django_db

LIST = "/deliberation/clusters/"


def _login(client: Any, user: Any) -> Any:
    if user.is_authenticated:
        client.force_login(user)
    return client


def _page(cases: Any) -> str:
    return f"/deliberation/clusters/520327101201001/{cases.lamps.pk}/"


def _post(cases: Any, council: Any, **changes: Any) -> dict[str, Any]:
    return {
        "days": "90",
        "case_ids": [str(c.pk) for c in cases.lamps_a1],
        "council": str(council.pk),
        "title": "修复一组路灯",
        "body": "一组多位群众反映路灯不亮，提请议事会商议。",
        "area": "development",
        **changes,
    }


def test_urls(cases: Any) -> None:
    assert reverse("deliberation:clusters") == LIST
    assert reverse("deliberation:cluster_motion", args=["520327101201001", cases.lamps.pk]) == (
        _page(cases)
    )


def test_a_cadre_sees_the_clusters_of_their_scope(
    client: Any, cases: Any, village_cadre: Any
) -> None:
    response = _login(client, village_cadre).get(LIST)
    assert response.status_code == 200
    rows = [(c.region_name, c.category_name, c.count) for c in response.context["clusters"]]
    assert rows == [("临江村一组", "路灯", 4), ("临江村", "乡村道路", 3)]
    assert f'href="{_page(cases)}?days=90"' in response.content.decode()


def test_the_list_filters_by_place_and_window(
    client: Any, cases: Any, township_cadre: Any, tree: Any
) -> None:
    client = _login(client, township_cadre)
    response = client.get(LIST, {"region": tree.village_b.code, "days": "30", "min_cases": "3"})
    assert [c.region_code for c in response.context["clusters"]] == ["520327101202001"]
    response = client.get(LIST, {"days": "7"})
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["days"]


@pytest.mark.parametrize("persona", ["supervisor", "convener", "resident"], indirect=True)
def test_others_find_nothing_here(client: Any, cases: Any, persona: Any, tree: Any) -> None:
    client = _login(client, persona)
    assert client.get(LIST).status_code == 404
    assert client.get(_page(cases)).status_code == 404
    assert client.post(_page(cases), _post(cases, tree.council_a1)).status_code == 404
    assert Motion.objects.count() == 0


def test_anonymous_users_are_sent_to_log_in(client: Any, cases: Any) -> None:
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_form_offers_the_cases_and_the_council_of_the_place(
    client: Any, cases: Any, village_cadre: Any, tree: Any
) -> None:
    response = _login(client, village_cadre).get(_page(cases))
    assert response.status_code == 200
    form = response.context["form"]
    newest_first = sorted(cases.lamps_a1, key=lambda c: c.received_at, reverse=True)
    assert [value for value, _label in form.fields["case_ids"].choices] == [
        str(c.pk) for c in newest_first
    ]
    assert form.initial["case_ids"] == [str(c.pk) for c in newest_first]
    assert form.fields["council"].choices == [(str(tree.council_a1.pk), "一组议事会")]
    assert form.initial["title"] == "临江村一组群众反映的路灯问题"
    html = response.content.decode()
    assert "请不要在标题和内容中写入反映人的姓名" in html
    assert "13900000001" not in html


def test_opening_the_motion_links_the_cases_and_goes_to_the_motion(
    client: Any, cases: Any, village_cadre: Any, tree: Any
) -> None:
    client = _login(client, village_cadre)
    response = client.post(_page(cases), _post(cases, tree.council_a1))
    motion = Motion.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/deliberation/motions/{motion.pk}/"
    assert (motion.origin, motion.council_id) == ("cases", tree.council_a1.pk)
    assert LinkedCase.objects.filter(motion=motion).count() == 4
    again = client.get(_page(cases))
    assert again.context["form"].fields["case_ids"].choices == []
    html = again.content.decode()
    assert "已列入议题的诉求" in html
    assert "这些诉求都已列入议题。" in html


def test_a_cadre_of_the_sibling_village_cannot_open_the_page_or_post_to_it(
    client: Any, cases: Any, other_village_cadre: Any, tree: Any
) -> None:
    client = _login(client, other_village_cadre)
    assert client.get(_page(cases)).status_code == 404
    assert client.post(_page(cases), _post(cases, tree.council_b1)).status_code == 404
    assert Motion.objects.count() == 0
    assert LinkedCase.objects.count() == 0


def test_bad_input_shows_the_errors_and_stores_nothing(
    client: Any, cases: Any, village_cadre: Any, tree: Any
) -> None:
    client = _login(client, village_cadre)
    response = client.post(_page(cases), _post(cases, tree.council_a1, title="", case_ids=[]))
    assert response.status_code == 400
    assert response.context["form"].errors == {"case_ids": ["请至少选择一件诉求。"]}
    response = client.post(_page(cases), _post(cases, tree.council_a1, title="", area=""))
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "title": ["此项为必填项。"],
        "area": ["请选择有效的选项。"],
    }
    other = CaseFactory.create(category=cases.lamps, region=tree.group_b1)
    response = client.post(_page(cases), _post(cases, tree.council_a1, case_ids=[other.pk]))
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["case_ids"]
    assert Motion.objects.count() == 0
    assert LinkedCase.objects.count() == 0


def test_a_cluster_that_does_not_exist_is_not_found(
    client: Any, cases: Any, village_cadre: Any
) -> None:
    client = _login(client, village_cadre)
    assert (
        client.get(f"/deliberation/clusters/520327101201001/{cases.roads.pk + 99}/").status_code
        == 404
    )
    assert client.get(f"/deliberation/clusters/520327101201/{cases.lamps.pk}/").status_code == 404
    assert client.get(f"/deliberation/clusters/5203/{cases.lamps.pk}/").status_code == 404


@pytest.mark.parametrize("n", [3, 30])
def test_the_cluster_list_runs_a_fixed_number_of_queries(
    client: Any, cases: Any, village_cadre: Any, tree: Any, django_assert_num_queries: Any, n: int
) -> None:
    for _ in range(n):
        CaseFactory.create(category=cases.roads, region=tree.group_a1)
    client = _login(client, village_cadre)
    # Session, user, grants, the places of the filter, the user's handler units, the clusters,
    # and the page frame's county name and role labels.
    with django_assert_num_queries(8):
        response = client.get(LIST)
    assert [c.count for c in response.context["clusters"]] == [n + 1, 4, 3]
