"""Benchmark: Open311 POST requests, requests per second, against a bare insert in the same run.

Usage: .venv/bin/python bench/open311_post.py [--requests 200] [--rounds 5] [--pg URL]

The database: SQLite by default (a fresh file in a temporary folder, with the site's own WAL
settings); PostgreSQL when DATABASE_URL names a PostgreSQL server or --pg is given: a fresh
database sizhi_bench_open311_<pid> on that server, dropped at the end.

With DEBUG off and the production settings, through Django's test client (the whole
middleware stack, one request at a time, no network), it measures:

1. the ceiling: a bare view that inserts one row (an audit row) and answers 201, mounted on a
   bench-only URLconf in front of the site's;
2. POST /open311/v2/requests.json: a form-encoded service request with an integration key, a
   place by address_id, a required singlevaluelist attribute, a contact and a media_url
   (key check, form and attribute checks, submit_case, the answer);
3. the same as XML (POST /open311/v2/requests.xml);
4. GET /open311/v2/requests/{id}.json of a published case (the read path, three queries).

Every POST carries its own phone number, so neither the double submit check nor the repeat
rule short-circuits it. The intake rate limits and the per-key request limit are lifted for
the run through their settings, which the output says. Tasks are queued in the database as in
production. Rounds of the paths alternate; each rate is the median over the rounds, with its
ratio to the ceiling. Not a test: nothing is asserted beyond each answer's status.
"""

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from requestbench import main

POST_JSON = "POST /open311/v2/requests.json"
POST_XML = "POST /open311/v2/requests.xml"
GET_ONE = "GET /open311/v2/requests/{id}.json"
EXPECTED = {POST_JSON: 200, POST_XML: 200, GET_ONE: 200}


def build_places() -> dict[str, Any]:
    """A county, one township, village and group, the 路灯 category with its default
    attributes, an integration key, and one published case to read."""
    from sizhi.accounts import actions as account_actions
    from sizhi.accounts.models import User
    from sizhi.cases.models import Category
    from sizhi.cases.open311.defaults import load_default_attributes
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
    root = Category.objects.create(code="01", name="基础设施与住房", owner_level="township")
    Category.objects.create(code="0101", name="路灯照明", parent=root, owner_level="village")
    load_default_attributes()
    app = User.objects.create_user("13900000009", name="便民应用")
    issued = account_actions.create_api_token(
        owner=app, name="bench", scopes=["cases:write"], kind="integration", actor=None
    )
    return {"group": group.code, "secret": issued.secret}


class Phones:
    """A new resident each time: their own phone."""

    def __init__(self) -> None:
        self.next = 0

    def __call__(self) -> str:
        self.next += 1
        return f"137{self.next:08d}"


def requests_for(places: dict[str, Any]) -> dict[str, Callable[[Any], int]]:
    phone = Phones()
    form = "application/x-www-form-urlencoded"

    def body() -> str:
        number = phone()
        return urlencode(
            {
                "api_key": places["secret"],
                "jurisdiction_id": "520327",
                "service_code": "0101",
                "address_id": places["group"],
                "attribute[LIGHT_FAULT]": "off",
                "description": f"村口路灯不亮（{number}）。",
                "first_name": "三",
                "last_name": "张",
                "phone": number,
                "media_url": "https://img.example.com/a.jpg",
            }
        )

    def post_json(client: Any) -> int:
        return int(client.post("/open311/v2/requests.json", body(), content_type=form).status_code)

    def post_xml(client: Any) -> int:
        return int(client.post("/open311/v2/requests.xml", body(), content_type=form).status_code)

    from django.test import Client

    [answer] = Client().post("/open311/v2/requests.json", body(), content_type=form).json()
    one = f"/open311/v2/requests/{answer['service_request_id']}.json"

    def get_one(client: Any) -> int:
        return int(client.get(one).status_code)

    return {POST_JSON: post_json, POST_XML: post_xml, GET_ONE: get_one}


if __name__ == "__main__":
    main("open311", __doc__.splitlines()[0], build_places, requests_for, EXPECTED)
