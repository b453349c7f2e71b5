"""A small county for the property-based requests: the shared region tree, a council with its
members, motions in several states (one with its resolution made public, an objection to it,
a progress report with a photo and a file added later), a held meeting with an open ballot, a
topic, cases and persons; and a county admin's token with every scope. Built with the
factories and the actions, in the test's own transaction."""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone

from sizhi.accounts.tests.apiclient import issue
from sizhi.accounts.tests.factories import UserFactory
from sizhi.accounts.tokens import SCOPES
from sizhi.cases import actions as case_actions
from sizhi.cases.tests.factories import CaseFactory, CategoryFactory
from sizhi.deliberation import actions
from sizhi.deliberation.models import Motion, Objection, Topic
from sizhi.deliberation.tests.factories import MotionFactory
from sizhi.orgs.models import UnitKind
from sizhi.orgs.tests.factories import RoleGrantFactory, UnitFactory
from sizhi.residents.tests.factories import MembershipFactory, PersonFactory


@dataclass
class World:
    secret: str
    # A real object for each path parameter, so that some requests reach it.
    ids: dict[str, Any]


@pytest.fixture
def in_process_requests() -> Iterator[None]:
    """Requests are served in the test's thread and transaction, as Django's test client
    does: a finished request must not close the connection the test holds."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _published(council: Any, tree: Any, admin: Any) -> Motion:
    """A motion carried out after its resolution was made public: a resident's objection to
    it (unanswered) and a progress report with a photo."""
    target = MotionFactory.create(
        council=council, state="resolved", resolution="同意修缮，按户均摊。", proposer=admin
    )
    publication = actions.publish_resolution(motion_id=target.pk, actor=admin)
    resident = UserFactory.create()
    RoleGrantFactory.create(user=resident, role="resident", region=tree.group_a1)
    actions.file_objection(publication_id=publication.pk, text="摊派标准不公平", actor=resident)
    actions.start_implementation(motion_id=target.pk, actor=admin)
    photo = SimpleUploadedFile("road.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png")
    actions.report_progress(
        motion_id=target.pk, text="完成一半", percent_done=50, photos=[photo], actor=admin
    )
    return target


@pytest.fixture
def world(tree: Any, county_admin: Any, settings: Any, in_process_requests: None) -> World:
    settings.SIZHI_API_REQUESTS_PER_MINUTE = 0  # thousands of requests in a minute
    council = tree.council_a1
    branch = UnitFactory.create(
        region=tree.group_a1, kind=UnitKind.GROUP_PARTY_BRANCH, name="一组党支部"
    )
    members = [PersonFactory.create(household=tree.household_a1) for _ in range(3)]
    for person in members:
        MembershipFactory.create(
            person=person, unit=branch, role="member", started_on=dt.date(2024, 1, 1)
        )
    states = ("draft", "proposed", "appraising", "reviewing", "resolved", "implementing")
    motions = [
        MotionFactory.create(council=council, state=state, proposer=county_admin)
        for state in states
    ]
    MotionFactory.create(council=tree.council_b1, is_public=False)
    published = _published(council, tree, county_admin)
    reviewing = motions[3]
    now = timezone.now()
    meeting = actions.schedule_meeting(
        body_id=branch.pk, title="支部会议", place="一组", starts_at=now,
        notice_sent_at=now - dt.timedelta(days=1), agenda=[(reviewing.pk, "review")],
        actor=county_admin,
    )  # fmt: skip
    actions.record_attendance(meeting_id=meeting.pk, present=3, actor=county_admin)
    ballot = actions.open_ballot(
        meeting_id=meeting.pk, motion_id=reviewing.pk, purpose="review", method="roll_call",
        actor=county_admin,
    )  # fmt: skip
    topic = Topic.objects.create(
        title="人居环境整治", body="请各组商议。", area="development", region=tree.county,
        region_code=tree.county.code, created_at=now,
    )  # fmt: skip
    root = CategoryFactory.create(code="01", name="基础设施")
    category = CategoryFactory.create(code="0101", name="路灯", parent=root)
    case = CaseFactory.create(region=tree.group_a1, category=category, state="in_progress")
    png = SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    attachment = case_actions.attach_files(case_id=case.pk, uploads=[png], actor=county_admin)[0]
    scan = SimpleUploadedFile("minutes.pdf", b"%PDF-1.7\n" + b"0" * 64)
    motion_file = actions.attach_to_motion(
        motion_id=published.pk, uploads=[scan], actor=county_admin
    )[0]
    return World(
        secret=issue(county_admin, scopes=tuple(SCOPES)),
        ids={
            "motion_id": published.pk,
            "objection_id": Objection.objects.get(publication__motion=published).pk,
            "meeting_id": meeting.pk,
            "ballot_id": ballot.pk,
            "topic_id": topic.pk,
            "person_id": tree.person_a1.pk,
            "number": case.number,
            "attachment_id": attachment.pk,
            "file_id": motion_file.pk,  # of the motion under motion_id
        },
    )
