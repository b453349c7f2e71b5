"""Building the Fenggang County demo: places, units, people, seats, service points, accounts.

``build_demo`` is deterministic (same seed, same data: see ``sizhi.demo.plan``) and idempotent:
it writes everything in one transaction, records the run in the audit log, and on a second
call finds that record and leaves the data alone. ``reset_demo`` wipes it for a rebuild.
"""

import datetime as dt
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import ProtectedError, Q, QuerySet, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _
from tqdm import tqdm

from sizhi.accounts.models import User
from sizhi.cases.models import (
    Attachment,
    Case,
    CaseClock,
    CaseEvent,
    CaseNumber,
    Category,
    Extension,
    FollowUp,
    RoutingRule,
    Supervision,
)
from sizhi.core.audit import record
from sizhi.core.models import AuditLog
from sizhi.core.regioncode import within_q
from sizhi.demo import motions, orgwriter, peoplewriter
from sizhi.demo.cases import tracking_code, write_cases
from sizhi.demo.counts import collect_counts
from sizhi.demo.fenggang import COUNTY_CODE, SMALL_TOWNSHIP, TOWNSHIPS
from sizhi.demo.personas import DEMO_PASSWORD, PERSONA_PHONES, Persona, create_personas
from sizhi.demo.plan import county_facilities, plan_township
from sizhi.orgs.models import Region, RoleGrant, ServicePoint, Unit, UnitKind
from sizhi.residents.models import Household, Membership, Person

PROFILE_SMALL = "small"
PROFILE_FULL = "full"
PROFILES = (PROFILE_SMALL, PROFILE_FULL)
DEFAULT_SEED = 20140729  # the source article's issue: 当代贵州 2014, no. 29
BUILD_ACTION = "demo.build"
RESET_ACTION = "demo.reset"


class DemoError(Exception):
    """The demo cannot be built or reset here; the message says why."""


@dataclass
class BuildReport:
    created: bool
    profile: str
    seed: int
    counts: dict[str, int] = field(default_factory=dict)
    elapsed: float = 0.0
    accounts: list[tuple[Persona, str]] = field(default_factory=list)  # (persona, scope)
    password: str = DEMO_PASSWORD
    # Cases to try the public tracking page with: (number, tracking code, state)
    tracking: list[tuple[str, str, str]] = field(default_factory=list)


def profile_townships(profile: str) -> list[str]:
    """Codes of the townships whose villages, groups and people a profile builds."""
    if profile == PROFILE_SMALL:
        return [SMALL_TOWNSHIP]
    if profile == PROFILE_FULL:
        return [t.code for t in TOWNSHIPS]
    raise DemoError(_("未知的示范数据规模：{profile}").format(profile=profile))


def existing_build() -> dict[str, Any] | None:
    """The audit record of the demo that built the county now in the database, or None when
    the county is absent. DemoError when the county exists but the demo did not build it."""
    county = Region.objects.filter(code=COUNTY_CODE).first()
    if county is None:
        return None
    row = (
        AuditLog.objects.filter(action=BUILD_ACTION, region_code=COUNTY_CODE)
        .order_by("-at", "-id")
        .first()
    )
    if row is None or row.changes.get("county_id") != county.pk:
        raise DemoError(
            _(
                "数据库中已有凤冈县（{code}）的数据，但不是示范数据生成的；示范数据不会覆盖它。"
            ).format(code=COUNTY_CODE)
        )
    return dict(row.changes)


def build_demo(
    *,
    profile: str = PROFILE_FULL,
    seed: int = DEFAULT_SEED,
    reset: bool = False,
    progress: bool = False,
    log: Callable[[str], None] = lambda message: None,
    as_of: dt.datetime | None = None,
) -> BuildReport:
    """Build the demo county (or find it already built). All in one transaction. The cases
    cover the year up to ``as_of`` (now by default)."""
    started = time.perf_counter()
    as_of = as_of or timezone.now()
    townships = profile_townships(profile)
    with transaction.atomic():
        existing = existing_build()
        if existing is not None and reset:
            reset_demo()
            existing = None
        if existing is not None:
            if existing.get("profile") != profile or existing.get("seed") != seed:
                raise DemoError(
                    _(
                        "已有示范数据（规模 {old_profile}，种子 {old_seed}），与本次要求"
                        "（规模 {profile}，种子 {seed}）不同；请加 --reset 重建。"
                    ).format(
                        old_profile=existing.get("profile"),
                        old_seed=existing.get("seed"),
                        profile=profile,
                        seed=seed,
                    )
                )
            return BuildReport(
                created=False,
                profile=profile,
                seed=seed,
                counts=collect_counts(COUNTY_CODE),
                elapsed=time.perf_counter() - started,
                tracking=_tracking(seed, existing.get("tracking_cases", [])),
            )
        log(
            _("正在生成示范县数据（规模 {profile}，种子 {seed}）……").format(
                profile=profile, seed=seed
            )
        )
        index = orgwriter.OrgIndex()
        places = orgwriter.write_regions(index, townships)
        orgwriter.write_units(index, places)
        orgwriter.county_service_points(index, county_facilities(seed))
        total_groups = sum(len(v.groups) for vs in places.values() for v in vs)
        # Two steps per group: drawing its people, then writing them.
        bar = tqdm(
            total=2 * total_groups,
            desc=_("生成"),
            bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}<{remaining}{postfix}",
            file=sys.stderr,
            disable=not progress,
            dynamic_ncols=True,
        )
        with bar:
            for township in TOWNSHIPS:
                if township.code not in places:
                    continue
                bar.set_postfix_str(township.name)
                plan = plan_township(seed, township, on_group=lambda: bar.update(1))
                orgwriter.write_group_units(index, plan.villages, set(plan.branch_groups))
                orgwriter.village_service_points(index, plan.villages, plan.facilities)
                peoplewriter.write_township_people(index, plan)
                bar.update(sum(len(v.groups) for v in plan.villages))
                del plan
        motions.write_seats(index, townships, seed)
        personas = create_personas()
        accounts = [(persona, scope) for persona, _user, scope in personas]
        log(_("正在生成近一年的诉求……"))
        actors = {persona.key: user.pk for persona, user, _scope in personas}
        handler_unit = index.units.get((SMALL_TOWNSHIP, UnitKind.SERVICE_CENTRE))
        cases = write_cases(
            index,
            seed=seed,
            as_of=as_of,
            townships=townships,
            actors=actors,
            handler_unit=(actors["handler"], handler_unit)
            if "handler" in actors and handler_unit
            else None,
        )
        log(_("正在生成近一年的议题……"))
        motions.write_motions(index, seed=seed, as_of=as_of, townships=townships, actors=actors)
        counts = collect_counts(COUNTY_CODE)
        elapsed = time.perf_counter() - started
        record(
            actor=None,
            action=BUILD_ACTION,
            region_code=COUNTY_CODE,
            changes={
                "profile": profile,
                "seed": seed,
                "county_id": index.regions[COUNTY_CODE],
                "seconds": round(elapsed, 1),
                "as_of": as_of.isoformat(),
                "tracking_cases": [number for number, _code, _state in cases.featured],
                **counts,
            },
        )
    return BuildReport(
        created=True,
        profile=profile,
        seed=seed,
        counts=counts,
        elapsed=time.perf_counter() - started,
        accounts=accounts,
        tracking=cases.featured,
    )


def _tracking(seed: int, numbers: list[str]) -> list[tuple[str, str, str]]:
    """The featured cases of an earlier build, with their codes (derived from the seed)."""
    states = dict(Case.objects.filter(number__in=numbers).values_list("number", "state"))
    return [
        (number, tracking_code(seed, number), states[number])
        for number in numbers
        if number in states
    ]


def _delete_in_chunks(queryset: QuerySet[Any]) -> int:
    """Delete through the ORM, so that other apps' on_delete rules apply, a chunk at a time:
    one delete() of 400,000 rows would build queries past SQLite's parameter limit (the
    collector ORs the SET_NULL updates of all its batches into one query) and hold every
    row in memory."""
    model = queryset.model
    chunk = min(connection.features.max_query_params or 5000, 5000) - 99
    pks = list(queryset.order_by("pk").values_list("pk", flat=True))
    deleted = 0
    for start in range(0, len(pks), chunk):
        _total, per_model = model._default_manager.filter(
            pk__in=pks[start : start + chunk]
        ).delete()
        deleted += per_model.get(model._meta.label, 0)
    return deleted


def _reset_cases() -> dict[str, int]:
    """The county's cases and what hangs on them, its case numbers and routing rules; the
    categories stay (shared reference data) but let go of the county's departments."""
    cases = Case.objects.filter(county_code=COUNTY_CODE)
    of_cases = {"case__county_code": COUNTY_CODE}
    cases.exclude(merged_into=None).update(merged_into=None)
    deleted = {}
    for name, model in (
        ("attachments", Attachment),
        ("case_events", CaseEvent),
        ("case_clocks", CaseClock),
        ("follow_ups", FollowUp),
        ("extensions", Extension),
        ("supervisions", Supervision),
    ):
        deleted[name] = _delete_in_chunks(model._default_manager.filter(**of_cases))
    deleted["cases"] = _delete_in_chunks(cases)
    CaseNumber.objects.filter(county_code=COUNTY_CODE).delete()
    county_units = Unit.objects.filter(within_q([COUNTY_CODE]))
    RoutingRule.objects.filter(within_q([COUNTY_CODE]) | Q(unit__in=county_units)).delete()
    Category.objects.filter(owner_department__in=county_units).update(owner_department=None)
    return deleted


def reset_demo() -> dict[str, int]:
    """Delete the demo county's places, units, people, seats, service points and grants.
    The demo accounts stay (deactivated, without grants) so the audit rows that name them stay
    valid; a rebuild reuses them. Refuses when other data still refers to the county."""
    if existing_build() is None:
        return {}
    scope = within_q([COUNTY_CODE])
    deleted: dict[str, int] = {}
    try:
        with transaction.atomic():
            deleted.update(_reset_cases())
            deleted.update(motions.reset_motions(_delete_in_chunks))
            deleted["accounts"] = _delete_in_chunks(motions.participants())
            deleted["grants"] = _delete_in_chunks(RoleGrant.objects.filter(scope))
            deleted["memberships"] = _delete_in_chunks(Membership.objects.filter(scope))
            deleted["persons"] = _delete_in_chunks(Person.objects.filter(scope))
            deleted["households"] = _delete_in_chunks(Household.objects.filter(scope))
            deleted["service_points"] = _delete_in_chunks(ServicePoint.objects.filter(scope))
            units = Unit.objects.filter(scope)
            units.update(parent=None)
            deleted["units"] = _delete_in_chunks(units)
            regions = Region.objects.filter(within_q([COUNTY_CODE], field="code"))
            regions.update(parent=None)
            deleted["regions"] = _delete_in_chunks(regions)
    except (ProtectedError, RestrictedError) as exc:
        raise DemoError(
            _("其他数据仍引用示范县的单位、居民或区域，无法重置；请换用一个新数据库。")
        ) from exc
    User.objects.filter(phone__in=PERSONA_PHONES).update(is_active=False)
    record(actor=None, action=RESET_ACTION, region_code=COUNTY_CODE, changes=deleted)
    return deleted
