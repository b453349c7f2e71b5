"""From appeals to agenda (诉求入议题): when several residents of one group or village raise the
same kind of matter, a cadre opens a motion for that place's council with the cases linked; when
the council's resolution is published, each linked case's submitter is told.

Deliberation and cases do not import each other. This module sits above both: it reads cases
through ``cases.queries``, writes motions through ``deliberation.actions``, tells submitters
through ``cases.actions``, and keeps deliberation's record of the links (``LinkedCase``) up to
date. ``on_publication`` is one of the ``SIZHI_PUBLICATION_LISTENERS``.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from django_tasks import task

from sizhi.cases import actions as case_actions
from sizhi.cases import queries as case_queries
from sizhi.cases.models import Case
from sizhi.core.errors import Invalid, InvalidState, NotAllowed, NotFound
from sizhi.core.regioncode import covers
from sizhi.deliberation import actions as motion_actions
from sizhi.deliberation.models import LinkedCase, Motion, Origin, Publication
from sizhi.deliberation.rules import BODY_KINDS, COUNCIL
from sizhi.deliberation.workflow import FINAL_STATES
from sizhi.orgs.models import Region, Unit, can, scope_prefixes

PERMISSION = "deliberation.link_cases"
SINCE_DAYS = (30, 90, 180, 365)
DEFAULT_SINCE_DAYS = 90
DEFAULT_MIN_CASES = 3
MAX_CASES = 200
# How much of the resolution the submitter's message quotes.
QUOTE_CHARS = 300

CaseCluster = case_queries.CaseCluster


def link_scope(user: Any) -> list[str]:
    """Region prefixes under which the user may take cases to a council."""
    return scope_prefixes(user, PERMISSION)


def _narrowed(prefixes: list[str], region_prefix: str) -> list[str]:
    """The part of ``prefixes`` under ``region_prefix`` (all of them when it is empty)."""
    if not region_prefix:
        return prefixes
    if covers(prefixes, region_prefix):
        return [region_prefix]
    return [prefix for prefix in prefixes if prefix.startswith(region_prefix)]


def case_clusters(
    user: Any,
    region_prefix: str = "",
    since_days: int = DEFAULT_SINCE_DAYS,
    min_cases: int = DEFAULT_MIN_CASES,
    now: dt.datetime | None = None,
) -> list[CaseCluster]:
    """Groups and villages where at least ``min_cases`` cases of one category, open or received
    in the last ``since_days`` days, are visible to the user and within their linking scope,
    the largest first. One query besides the user's grants."""
    prefixes = _narrowed(link_scope(user), region_prefix)
    if not prefixes:
        return []
    since = (now or timezone.now()) - dt.timedelta(days=since_days)
    return case_queries.case_clusters_for(user, prefixes=prefixes, since=since, min_cases=min_cases)


def open_links(case_ids: Iterable[int]) -> dict[int, tuple[int, str]]:
    """Which of ``case_ids`` already are on a motion still under way: case id → (motion id,
    title)."""
    rows = (
        LinkedCase.objects.filter(case_id__in=list(case_ids))
        .exclude(motion__state__in=FINAL_STATES)
        .values_list("case_id", "motion_id", "motion__title")
        .order_by("motion_id")
    )
    return {case_id: (motion_id, title) for case_id, motion_id, title in rows}


def bodies_at(region_code: str) -> list[Unit]:
    """The deliberative bodies of a place, its council first."""
    units = Unit.objects.filter(region_code=region_code, kind__in=BODY_KINDS, is_active=True)
    return sorted(units, key=lambda unit: (unit.kind != COUNCIL, unit.name, unit.pk))


@dataclass
class ClusterPage:
    region: Region
    category_id: int
    category_name: str
    since_days: int
    cases: list[Case]
    linked: dict[int, tuple[int, str]]
    bodies: list[Unit]

    @property
    def linked_rows(self) -> list[tuple[Case, int, str]]:
        """The cases already on a motion under way, with its id and title."""
        return [(case, *self.linked[case.pk]) for case in self.cases if case.pk in self.linked]


def cluster_page(
    user: Any,
    region_code: str,
    category_id: int,
    since_days: int = DEFAULT_SINCE_DAYS,
    now: dt.datetime | None = None,
) -> ClusterPage:
    """One cluster with its cases, those already on a motion, and the bodies of the place; a
    place outside the user's linking scope, or without such cases, is NotFound."""
    region = Region.objects.filter(code=region_code, level__in=("village", "group")).first()
    if region is None or not can(user, PERMISSION, region.code):
        raise NotFound
    since = (now or timezone.now()) - dt.timedelta(days=since_days)
    cases = case_queries.cluster_cases(
        user, region_code=region.code, category_id=category_id, since=since, limit=MAX_CASES
    )
    if not cases:
        raise NotFound
    return ClusterPage(
        region=region,
        category_id=category_id,
        category_name=cases[0].category.name,
        since_days=since_days,
        cases=cases,
        linked=open_links(case.pk for case in cases),
        bodies=bodies_at(region.code),
    )


def _ids(values: Iterable[Any]) -> list[int]:
    try:
        ids = sorted({int(value) for value in values})
    except (TypeError, ValueError):
        raise Invalid(fields={"case_ids": [_("请选择有效的诉求。")]}) from None
    if not ids:
        raise Invalid(fields={"case_ids": [_("请至少选择一件诉求。")]})
    if len(ids) > MAX_CASES:
        raise Invalid(fields={"case_ids": [_("一次最多选择%(n)d件诉求。") % {"n": MAX_CASES}]})
    return ids


def _body(council_id: Any) -> Unit:
    try:
        key = int(council_id)
    except (TypeError, ValueError):
        key = 0
    unit = Unit.objects.filter(pk=key, is_active=True, kind__in=BODY_KINDS).first()
    if unit is None:
        raise Invalid(fields={"council_id": [_("请选择有效的议事或决策机构。")]})
    return unit


@transaction.atomic
def open_motion_from_cases(
    *,
    case_ids: Iterable[Any],
    council_id: Any,
    title: Any,
    body: Any,
    area: Any,
    actor: Any,
    now: dt.datetime | None = None,
) -> Motion:
    """Open a motion for a council of the place of the cases, with the cases linked. The actor
    must see every case (else NotFound) and may link cases at the council's place (else
    NotAllowed); the cases must lie in the council's village and be on no other motion under
    way. Nothing is stored unless the motion is."""
    ids = _ids(case_ids)
    refs = case_queries.case_refs_for(actor, ids)
    if len(refs) != len(ids):
        raise NotFound
    council = _body(council_id)
    if not can(actor, PERMISSION, council.region_code):
        raise NotAllowed
    ordered = sorted(refs.values(), key=lambda ref: ref.number)
    numbers = "、".join(ref.number for ref in ordered if ref.confidential)
    if numbers:
        raise Invalid(
            fields={"case_ids": [_("保密诉求不能列入议题：%(numbers)s。") % {"numbers": numbers}]}
        )
    village = council.region_code[:12]
    numbers = "、".join(ref.number for ref in ordered if not ref.region_code.startswith(village))
    if numbers:
        raise Invalid(
            fields={
                "case_ids": [
                    _("诉求 %(numbers)s 不在该议事机构所在的村（社区）。") % {"numbers": numbers}
                ]
            }
        )
    taken = open_links(ids)
    if taken:
        numbers = "、".join(ref.number for ref in ordered if ref.id in taken)
        raise InvalidState(_("诉求 %(numbers)s 已列入其他正在办理的议题。") % {"numbers": numbers})
    return motion_actions.create_motion(
        council_id=council.pk,
        title=title,
        body=body,
        area=area,
        actor=actor,
        origin=Origin.CASES,
        linked_cases=[(ref.id, ref.number) for ref in ordered],
        now=now,
    )


# -- Telling the submitters ----------------------------------------------------------------------


def on_publication(*, motion_id: int, kind: str) -> None:
    """Listener of deliberation's publications, called after they commit: a published
    resolution of a motion with cases not yet told queues the telling."""
    if kind != Publication.Kind.RESOLUTION:
        return
    if LinkedCase.objects.filter(motion_id=motion_id, told_at__isnull=True).exists():
        tell_linked_cases.enqueue(motion_id)


@task()
def tell_linked_cases(motion_id: int) -> int:
    return tell_submitters(motion_id=motion_id)


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1] + "…"


@transaction.atomic
def tell_submitters(*, motion_id: int, now: dt.datetime | None = None) -> int:
    """Tell the submitters of the motion's linked cases that its resolution is published, once:
    the links are locked and marked told in the same transaction. Returns the messages queued."""
    links = list(
        LinkedCase.objects.select_for_update()
        .filter(motion_id=motion_id, told_at__isnull=True)
        .order_by("case_number")
    )
    publication = (
        Publication.objects.select_related("motion__council")
        .filter(motion_id=motion_id, kind=Publication.Kind.RESOLUTION)
        .first()
    )
    if not links or publication is None:
        return 0
    motion = publication.motion
    # Messages go out in Chinese, the language residents use with the county.
    with override("zh-hans"):
        text = _("已列入%(council)s议题「%(title)s」，决议已公开：%(resolution)s") % {
            "council": motion.council.name,
            "title": motion.title,
            "resolution": _quote(publication.text),
        }
    now = now or timezone.now()
    sent = case_actions.tell_submitters_of_motion(
        case_ids=[link.case_id for link in links],
        text=text,
        reference=f"motion-cases:{motion_id}",
        now=now,
    )
    LinkedCase.objects.filter(pk__in=[link.pk for link in links]).update(told_at=now)
    return sent
