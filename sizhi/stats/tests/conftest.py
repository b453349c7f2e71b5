"""The case desk fixtures (units, categories, desk personas) for the numbers tests."""

from sizhi.cases.tests.conftest import (
    desk,
    dispatcher,
    handler,
    operator,
    sibling_handler,
    township_handler,
)
from sizhi.stats.tests.scenario import scenario

__all__ = [
    "desk",
    "dispatcher",
    "handler",
    "operator",
    "scenario",
    "sibling_handler",
    "township_handler",
]
