"""What the page tests of the web app share: the codes of the conftest tree, the signed-in
personas, and readers of a page's HTML."""

import re
from typing import Any

from django.test import Client
from django.urls import reverse

# The codes of the conftest tree.
COUNTY = "520327"
TOWNSHIP_A = "520327101"
TOWNSHIP_B = "520327102"
VILLAGE_A = "520327101201"
VILLAGE_B = "520327101202"
GROUP_A1 = "520327101201001"
GROUP_B1 = "520327101202001"

LOGGED_IN = (
    "county_admin",
    "supervisor",
    "township_cadre",
    "village_cadre",
    "other_village_cadre",
    "convener",
    "resident",
)


def client_for(user: Any) -> Client:
    client = Client()
    if getattr(user, "is_authenticated", False):
        client.force_login(user)
    return client


def region_url(code: str) -> str:
    return reverse("web:region", kwargs={"code": code})


def text_of(response: Any) -> str:
    return response.content.decode()


def row_cells(html: str, code: str) -> dict[str, str]:
    """The count cells of the child row of ``code``: a number, a number with * (partial) or
    "—" (no scope)."""
    row = re.search(rf'<tr data-code="{code}">(.*?)</tr>', html, re.S)
    assert row is not None, code
    cells = {}
    for column, body in re.findall(r'data-col="(\w+)">(.*?)</td>', row.group(1), re.S):
        if "无权查看" in body:
            cells[column] = "—"
        else:
            number = re.sub(r"<[^>]+>|（仅含您可查看的部分）", "", body).strip()
            cells[column] = number
    return cells


def tiles_of(html: str) -> list[str]:
    return re.findall(r'data-tile="(\w+)"', html)
