"""``attribute[CODE]=value`` (and ``attribute[CODE][]=…`` repeated, for lists) checked against
the service definition: required answers present, each of its datatype, list answers among
the keys offered. Answers to codes the service does not define, and to informational
attributes, are ignored (clients such as FixMyStreet send a few of their own)."""

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from sizhi.cases.models import AttributeDatatype, ServiceAttribute
from sizhi.core.api.messages import CHOOSE, DATETIME, MESSAGES, NUMBER

ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
MAX_LENGTHS: dict[str, int] = {AttributeDatatype.STRING: 500, AttributeDatatype.TEXT: 4000}
SINGLE = frozenset(AttributeDatatype) - {AttributeDatatype.MULTIVALUELIST}

Answer = str | list[str]
Problem = tuple[str, object]


def submitted(form: QueryDict) -> dict[str, list[str]]:
    """The values given per attribute code, both spellings together, blanks dropped."""
    given: dict[str, list[str]] = {}
    for key in form:
        match = ATTRIBUTE_KEY.match(key)
        if match:
            values = [value.strip() for value in form.getlist(key)]
            given.setdefault(match.group(1), []).extend(value for value in values if value)
    return given


def _number(value: str) -> str | None:
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return str(number) if number.is_finite() else None


def _datetime(value: str) -> str | None:
    try:
        parsed = dt.datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = timezone.make_aware(parsed)
    return timezone.localtime(parsed).isoformat()


def _one(attribute: ServiceAttribute, value: str) -> tuple[str | None, object]:
    """The stored form of one answer, or None and what is wrong with it."""
    datatype = attribute.datatype
    if datatype in MAX_LENGTHS:
        if datatype == AttributeDatatype.STRING:
            value = " ".join(value.split())  # one line
        limit = MAX_LENGTHS[datatype]
        if len(value) > limit:
            return None, str(MESSAGES["string_too_long"]) % {"max_length": limit}
        return value, ""
    if datatype == AttributeDatatype.NUMBER:
        return _number(value), NUMBER
    if datatype == AttributeDatatype.DATETIME:
        return _datetime(value), DATETIME
    keys = {str(choice["key"]) for choice in attribute.values}
    return (value if value in keys else None), CHOOSE


def check(
    attributes: Iterable[ServiceAttribute], given: dict[str, list[str]]
) -> tuple[dict[str, Answer], list[Problem]]:
    """The answers to store ({code: value, or [keys] for a multivaluelist}) and the problems,
    each named ``attribute[CODE]``."""
    answers: dict[str, Answer] = {}
    problems: list[Problem] = []
    for attribute in attributes:
        if not attribute.variable:
            continue
        name = f"attribute[{attribute.code}]"
        values = list(dict.fromkeys(given.get(attribute.code, [])))
        if not values:
            if attribute.required:
                problems.append((name, MESSAGES["missing"]))
            continue
        if attribute.datatype in SINGLE and len(values) > 1:
            problems.append((name, _("只能填写一个值。")))
            continue
        stored: list[str] = []
        for value in values:
            clean, problem = _one(attribute, value)
            if clean is None:
                problems.append((name, problem))
                break
            stored.append(clean)
        else:
            multiple = attribute.datatype == AttributeDatatype.MULTIVALUELIST
            answers[attribute.code] = stored if multiple else stored[0]
    return answers, problems


def describe(attributes: Iterable[ServiceAttribute], answers: dict[str, Any]) -> list[str]:
    """The answers as lines ``description: value`` (list keys shown by their names)."""
    lines = []
    for attribute in attributes:
        if attribute.code not in answers:
            continue
        names: dict[str, str] = {
            str(choice["key"]): str(choice["name"]) for choice in attribute.values
        }
        value = answers[attribute.code]
        values = [str(item) for item in (value if isinstance(value, list) else [value])]
        label = attribute.description.rstrip(":：？?")
        lines.append(f"{label}：{'、'.join(names.get(item, item) for item in values)}")
    return lines
