"""The API document's webhooks section: added beside the paths, and refused when one of its
schemas would take the name of one of the API's own."""

import pytest

from sizhi.core.api.base import SizhiAPI


def test_the_webhooks_section_and_its_schemas_are_added() -> None:
    api = SizhiAPI(
        urls_namespace="test-webhooks-added",
        webhooks=lambda: ({"ping": {"post": {}}}, {"PingBody": {"type": "object"}}),
    )
    document = api.get_openapi_schema(path_prefix="")
    assert document["webhooks"] == {"ping": {"post": {}}}
    assert document["components"]["schemas"]["PingBody"] == {"type": "object"}


def test_a_webhook_schema_may_not_take_a_name_the_api_uses() -> None:
    api = SizhiAPI(
        urls_namespace="test-webhooks-clash",
        webhooks=lambda: ({}, {"Error": {"type": "object"}}),
    )
    with pytest.raises(ValueError, match=r"clash with the API's: \['Error'\]"):
        api.get_openapi_schema(path_prefix="")
