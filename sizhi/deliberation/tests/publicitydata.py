"""Helpers for the tests of the publicity endpoints: a fixed clock, a motion whose resolution
was made public, a resident of another group, and the paths."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine

from sizhi.accounts.tests.factories import UserFactory
from sizhi.deliberation import actions
from sizhi.deliberation.models import Motion, Objection, Publication
from sizhi.deliberation.tests.apidata import MOTIONS, motion
from sizhi.orgs.tests.factories import RoleGrantFactory

OBJECTIONS = "/api/v1/objections"
TOWNSHIP_B = "520327102"
T0 = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)  # 09:00 in the county
RESOLUTION = "同意修缮，按户均摊。"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
# The households of group A1 with a phone: the tree's, the council's five, the branch's three.
HOUSEHOLDS = 9


@pytest.fixture(name="clock")
def clock_fixture() -> Iterator[Any]:
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture(name="published")
def published_fixture(clock: Any, bodies: Any) -> Motion:
    """A public motion of group A1 whose resolution the convener published at T0."""
    target = motion(bodies.council_a1, state="resolved", resolution=RESOLUTION)
    actions.publish_resolution(motion_id=target.pk, actor=bodies.convener_user)
    return target


@pytest.fixture(name="other_resident")
def other_resident_fixture(tree: Any) -> Any:
    """A resident of group B1, in the sibling village."""
    user = UserFactory.create()
    RoleGrantFactory.create(user=user, role="resident", region=tree.group_b1)
    return user


def file_one(target: Motion, author: Any, text: str = "摊派标准不公平") -> Objection:
    """An objection to the motion's one publication, through the action."""
    publication = Publication.objects.get(motion=target)
    return actions.file_objection(publication_id=publication.pk, text=text, actor=author)


def paths(target: Motion) -> dict[str, str]:
    """The motion's publicity endpoints."""
    return {
        "publications": f"{MOTIONS}/{target.pk}/publications",
        "objections": f"{MOTIONS}/{target.pk}/objections",
        "progress": f"{MOTIONS}/{target.pk}/progress",
    }


def persona_of(request: Any, bodies: Any, name: str) -> Any:
    """A persona of the matrices: a fixture's user, or the council's member or convener."""
    if name == "member":
        return bodies.member_user
    if name == "convener":
        return bodies.convener_user
    return request.getfixturevalue(name)
