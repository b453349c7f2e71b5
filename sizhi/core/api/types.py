"""Types shared by the schemas of the JSON API.

``RowId`` is a row id as the database stores it: a larger number would overflow the column,
not just miss, so it is refused as input.

pydantic reads a bare number as a Unix timestamp where a date or a date and time is expected
(``?updated_since=0.5`` is 1970-01-01T00:00:00.5Z); the OpenAPI document promises ISO 8601
text, so these types accept only that (a datetime also needs its time of day; without an
offset it is local time).
"""

import datetime as dt
import re
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}$")
ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def _iso_text(pattern: re.Pattern[str], error: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if isinstance(value, dt.date) or (isinstance(value, str) and pattern.match(value)):
            return value
        # The error types of pydantic's own parsing, so the messages are the same.
        raise PydanticCustomError(error, "Expected ISO 8601 text")

    return check


IsoDateTime = Annotated[dt.datetime, BeforeValidator(_iso_text(ISO_DATETIME, "datetime_parsing"))]
IsoDate = Annotated[dt.date, BeforeValidator(_iso_text(ISO_DATE, "date_parsing"))]


RowId = Annotated[int, Field(ge=1, le=2**63 - 1)]
