"""Who hears of what: the key's region, the subscription's region, the owner's visibility (by
the domain's own queries, before every attempt), the key's scope and state; and what a
confidential case's event carries."""

import pytest

from sizhi.accounts.actions import revoke_api_token
from sizhi.cases.actions import accept_case, add_note
from sizhi.deliberation.actions import transition_motion
from sizhi.deliberation.tests.factories import MotionFactory
from sizhi.orgs.models import RoleGrant
from sizhi.webhooks import tasks
from sizhi.webhooks.models import Delivery
from sizhi.webhooks.tests.conftest import READ_ALL, make_integration, new_case, subscribe

pytestmark = pytest.mark.django_db


def _accept(capture, case) -> None:
    with capture(execute=True):
        accept_case(case_id=case.pk, actor=None)


def test_a_township_key_hears_nothing_from_another_township(
    receiver, tree, django_capture_on_commit_callbacks
):
    # The owner sees the whole county, the key only township A
    owner = make_integration(tree.county, key_region=tree.township_a.code)
    subscribe(owner, receiver.url)
    _accept(django_capture_on_commit_callbacks, new_case(tree.township_b))
    assert Delivery.objects.count() == 0
    assert receiver.received == []
    home = new_case(tree.group_a1)
    _accept(django_capture_on_commit_callbacks, home)
    assert [r.json["case"]["id"] for r in receiver.received] == [home.pk]


def test_a_subscription_region_narrows_further(receiver, tree, django_capture_on_commit_callbacks):
    owner = make_integration(tree.county)
    subscribe(owner, receiver.url, region_prefix=tree.village_b.code)
    _accept(django_capture_on_commit_callbacks, new_case(tree.group_a1))
    _accept(django_capture_on_commit_callbacks, new_case(tree.village_a))
    assert Delivery.objects.count() == 0
    there = new_case(tree.group_b1)
    _accept(django_capture_on_commit_callbacks, there)
    assert [r.json["case"]["number"] for r in receiver.received] == [there.number]


def test_an_event_the_owner_cannot_see_is_withheld(
    receiver, tree, django_capture_on_commit_callbacks
):
    # A key without a region, whose owner's grant covers township A only
    owner = make_integration(tree.township_a)
    subscribe(owner, receiver.url)
    elsewhere = new_case(tree.township_b)
    _accept(django_capture_on_commit_callbacks, elsewhere)
    withheld = Delivery.objects.get()
    assert (withheld.state, withheld.attempts, withheld.last_error) == (
        "withheld",
        1,
        "not visible to the owner",
    )
    assert receiver.received == []
    home = new_case(tree.group_a1)
    _accept(django_capture_on_commit_callbacks, home)
    assert [r.json["case"]["id"] for r in receiver.received] == [home.pk]


def test_visibility_is_checked_again_when_the_attempt_is_made(
    receiver, tree, django_capture_on_commit_callbacks
):
    owner = make_integration(tree.township_a)
    subscribe(owner, receiver.url)
    case = new_case(tree.group_a1)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        accept_case(case_id=case.pk, actor=None)
    for callback in callbacks:  # the listener queues the delivery; its task waits
        if "listener" in callback.__qualname__:
            with django_capture_on_commit_callbacks(execute=False):
                callback()
    RoleGrant.objects.filter(user=owner.user).delete()  # the owner's grant ends meanwhile
    delivery = Delivery.objects.get()
    assert tasks.deliver_webhook.call(delivery.pk) == "withheld"
    assert receiver.received == []


def test_a_motion_outside_the_owners_sight_is_withheld(
    receiver, tree, django_capture_on_commit_callbacks
):
    owner = make_integration(tree.village_b)
    subscribe(owner, receiver.url, events=["motion"])
    with django_capture_on_commit_callbacks(execute=True):
        transition_motion(
            motion=MotionFactory.create(council=tree.council_a1), name="admit", actor=None
        )
        transition_motion(
            motion=MotionFactory.create(council=tree.council_b1), name="admit", actor=None
        )
    assert sorted(Delivery.objects.values_list("region_code", "state")) == [
        ("520327101201001", "withheld"),
        ("520327101202001", "delivered"),
    ]
    assert [r.json["motion"]["region_code"] for r in receiver.received] == ["520327101202001"]


def test_a_confidential_case_event_never_carries_the_reporter(
    receiver, tree, django_capture_on_commit_callbacks
):
    owner = make_integration(tree.county)
    subscribe(owner, receiver.url)
    case = new_case(
        tree.group_a1,
        is_confidential=True,
        contact_name="王小五",
        contact_phone="13900001111",
        person=tree.person_a1,
        address="临江村一组8号",
    )
    with django_capture_on_commit_callbacks(execute=True):
        accept_case(case_id=case.pk, actor=None)
        add_note(case_id=case.pk, text="举报人王小五要求保密", actor=None)
    assert len(receiver.received) == 2
    for got in receiver.received:
        text = got.body.decode()
        for secret in ("王小五", "13900001111", "张三", "13812345678", "临江村一组8号", "保密"):
            assert secret not in text
        assert set(got.json) == {
            "id", "kind", "event_id", "transition", "from_state", "to_state", "at", "case"
        }  # fmt: skip
        assert set(got.json["case"]) == {"id", "number", "region_code"}


def test_a_key_without_the_read_scope_hears_nothing_of_that_kind(
    receiver, tree, django_capture_on_commit_callbacks
):
    motions_only = tuple(scope for scope in READ_ALL if scope != "cases:read")
    owner = make_integration(tree.county, scopes=motions_only or ("cases:write",))
    subscribe(owner, receiver.url)
    _accept(django_capture_on_commit_callbacks, new_case(tree.group_a1))
    assert Delivery.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        transition_motion(
            motion=MotionFactory.create(council=tree.council_a1), name="admit", actor=None
        )
    assert [r.json["kind"] for r in receiver.received] == ["motion"]


def test_a_revoked_key_hears_nothing_more_and_its_waiting_retries_are_withheld(
    receiver, tree, django_capture_on_commit_callbacks
):
    owner = make_integration(tree.county)
    subscribe(owner, receiver.url)
    receiver.plan = [(500, 0.0)]
    _accept(django_capture_on_commit_callbacks, new_case(tree.group_a1))
    waiting = Delivery.objects.get()
    assert waiting.state == "queued"
    revoke_api_token(token_id=owner.token.pk, actor=None)
    _accept(django_capture_on_commit_callbacks, new_case(tree.group_a1))
    assert Delivery.objects.count() == 1
    Delivery.objects.filter(pk=waiting.pk).update(state="queued")
    assert tasks.deliver_webhook.call(waiting.pk) == "withheld"
    waiting.refresh_from_db()
    assert waiting.last_error == "integration key revoked or expired"
    assert len(receiver.received) == 1
