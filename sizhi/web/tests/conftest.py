"""Fixtures of the web app's page tests."""

from typing import Any

import pytest

from sizhi.residents.tests.factories import MembershipFactory


@pytest.fixture
def seats(tree: Any) -> None:
    """One current council seat in each of the two sibling groups."""
    MembershipFactory(person=tree.person_a1, unit=tree.council_a1)
    MembershipFactory(person=tree.person_b1, unit=tree.council_b1)
