"""Benchmark: case intake, requests per second, against a bare insert in the same run.

Usage: .venv/bin/python bench/case_intake.py [--requests 200] [--rounds 5] [--pg URL]

The database: SQLite by default (a fresh file in a temporary folder, with the site's own WAL
settings); PostgreSQL when DATABASE_URL names a PostgreSQL server (as for case_search.py) or
--pg is given: a fresh database sizhi_bench_intake_<pid> on that server, dropped at the end.

With DEBUG off and the production settings, through Django's test client (the whole
middleware stack, one request at a time, no network), it measures:

1. the ceiling: a bare view that inserts one row (an audit row) and answers 201, mounted on a
   bench-only URLconf in front of the site's;
2. the resident's web form: POST /appeal/new/ (the real view: form, submit_case, the receipt
   in the session, a redirect);
3. the API: POST /api/v1/cases with a token (JSON schema, token, idempotency key, submit_case).

Every request carries a fresh idempotency key and its own phone number (and, for the web
form, its own client address), so neither the double submit check nor the repeat rule
short-circuits it, and the per-phone and per-address counts stay as small as on a real day.
The intake rate limits (per phone, per address) and the API's per-token limit are lifted for
the run through their settings, which the output says. Tasks are queued in the database as in
production. Rounds of the three alternate; each rate is the median over the rounds, with its
ratio to the ceiling. Not a test: nothing is asserted beyond each answer's status.
"""

import uuid
from collections.abc import Callable
from typing import Any

from requestbench import main


def build_places() -> dict[str, Any]:
    """A county, one township, village and group, a category tree, and an app's token."""
    from sizhi.accounts import actions as account_actions
    from sizhi.accounts.models import User
    from sizhi.cases.models import Category
    from sizhi.orgs.models import Region

    county = Region.objects.create(code="520327", name="凤冈县", level="county", kind="county")
    township = Region.objects.create(
        code="520327101", name="进化镇", level="township", kind="town", parent=county
    )
    village = Region.objects.create(
        code="520327101201", name="临江村", level="village", kind="village", parent=township
    )
    group = Region.objects.create(
        code="520327101201001", name="临江村一组", level="group", kind="group", parent=village
    )
    root = Category.objects.create(code="01", name="基础设施", owner_level="village")
    leaf = Category.objects.create(code="0101", name="路灯", parent=root, owner_level="village")
    app = User.objects.create_user("13900000009", name="便民应用")
    issued = account_actions.create_api_token(
        owner=app,
        name="bench",
        scopes=["cases:write"],
        kind="integration",
        actor=None,
    )
    return {"group": group.code, "category": leaf.pk, "secret": issued.secret}


class Phones:
    """A new resident each time: their own phone, and their own address."""

    def __init__(self) -> None:
        self.next = 0

    def __call__(self) -> str:
        self.next += 1
        return f"137{self.next:08d}"

    def address(self) -> str:
        n = self.next
        return f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"


def requests_for(places: dict[str, Any]) -> dict[str, Callable[[Any], int]]:
    import json

    phone = Phones()
    auth = {"Authorization": f"Bearer {places['secret']}"}

    def web_form(client: Any) -> int:
        number = phone()
        response = client.post(
            "/appeal/new/",
            {
                "region_code": places["group"],
                "kind": "complaint",
                "category": str(places["category"]),
                "title": "路灯坏了",
                "description": f"村口路灯不亮（{number}）。",
                "contact_name": "张三",
                "contact_phone": number,
                "idempotency_key": uuid.uuid4().hex,
            },
            REMOTE_ADDR=phone.address(),
        )
        return int(response.status_code)

    def api(client: Any) -> int:
        number = phone()
        body = {
            "kind": "complaint",
            "category_id": places["category"],
            "title": "路灯坏了",
            "description": f"村口路灯不亮（{number}）。",
            "region_code": places["group"],
            "contact_name": "张三",
            "contact_phone": number,
        }
        response = client.post(
            "/api/v1/cases",
            json.dumps(body),
            content_type="application/json",
            headers={**auth, "Idempotency-Key": uuid.uuid4().hex},
        )
        return int(response.status_code)

    return {
        "web form: POST /appeal/new/": web_form,
        "API: POST /api/v1/cases": api,
    }


EXPECTED = {
    "web form: POST /appeal/new/": 302,
    "API: POST /api/v1/cases": 201,
}


if __name__ == "__main__":
    main("intake", __doc__.splitlines()[0], build_places, requests_for, EXPECTED)
