"""Which role may do what. Pure data: the scope (where) comes from the grant's region.

A grant at a region covers its whole subtree. Checks combine the two:
``can(user, perm, region_code)`` is true when some active grant of the user has a role that
carries ``perm`` and a region code that is a prefix of ``region_code``.
"""

from sizhi.orgs.roles import Role

VIEW_REGION_DATA = frozenset(
    {
        "orgs.view_unit",
        "orgs.view_service_point",
        "residents.view_membership",
    }
)
VIEW_PEOPLE = frozenset({"residents.view_household", "residents.view_person"})
CHANGE_PEOPLE = frozenset({"residents.change_household", "residents.change_person"})

# Deliberation: residents read the public motions of their group and take part; members see
# every motion of their body; conveners and secretaries run them; topics come from above.
DELIBERATE_PUBLIC = frozenset(
    {"deliberation.view_public", "deliberation.propose", "deliberation.take_part"}
)
DELIBERATE = frozenset({"deliberation.view", "deliberation.propose", "deliberation.take_part"})
DELIBERATE_MANAGE = DELIBERATE | {"deliberation.manage"}

CASE_DESK = frozenset({"cases.view", "cases.intake", "cases.dispatch", "cases.follow_up"})

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    # A resident sees the units and public roles of their own group; their own household and
    # person records come through the link between user and person, not through a grant.
    Role.RESIDENT: VIEW_REGION_DATA | DELIBERATE_PUBLIC,
    Role.COUNCIL_MEMBER: VIEW_REGION_DATA | DELIBERATE,
    Role.CONVENER: VIEW_REGION_DATA
    | VIEW_PEOPLE
    | DELIBERATE_MANAGE
    | {"residents.change_membership"},
    Role.BRANCH_SECRETARY: VIEW_REGION_DATA
    | VIEW_PEOPLE
    | DELIBERATE_MANAGE
    | {"residents.change_membership"},
    Role.OPERATOR: VIEW_REGION_DATA | VIEW_PEOPLE | CASE_DESK,
    Role.DISPATCHER: VIEW_REGION_DATA | VIEW_PEOPLE | CASE_DESK,
    # A handler works the cases of the unit their grant names (see cases.rules), and registers
    # visits and letters received there.
    Role.HANDLER: VIEW_REGION_DATA | VIEW_PEOPLE | {"cases.intake"},
    Role.CADRE: VIEW_REGION_DATA
    | VIEW_PEOPLE
    | CHANGE_PEOPLE
    | {"residents.reveal_person", "cases.view", "deliberation.view", "deliberation.propose"}
    | {"deliberation.topic", "deliberation.link_cases"},
    Role.SUPERVISOR: VIEW_REGION_DATA
    | VIEW_PEOPLE
    | {
        "residents.reveal_person",
        "orgs.view_grant",
        "core.view_audit",
        "cases.view",
        "cases.supervise",
        "cases.review",
        "cases.reveal_contact",
        "deliberation.view",
    },
    Role.COUNTY_ADMIN: VIEW_REGION_DATA
    | VIEW_PEOPLE
    | CHANGE_PEOPLE
    | {
        "residents.reveal_person",
        "residents.change_membership",
        "orgs.change_region",
        "orgs.change_unit",
        "orgs.change_service_point",
        "orgs.change_calendar",
        "cases.view",
        "cases.intake",
        "cases.dispatch",
        "cases.follow_up",
        "cases.arbitrate",
        "cases.supervise",
        "cases.review",
        "cases.reveal_contact",
        "cases.configure",
        "deliberation.view",
        "deliberation.propose",
        "deliberation.manage",
        "deliberation.topic",
        "deliberation.link_cases",
        "orgs.view_grant",
        "orgs.manage_grants",
        "core.view_audit",
    },
}

ALL_PERMISSIONS: frozenset[str] = frozenset().union(*ROLE_PERMISSIONS.values())


def roles_with(perm: str) -> frozenset[str]:
    return frozenset(role for role, perms in ROLE_PERMISSIONS.items() if perm in perms)
