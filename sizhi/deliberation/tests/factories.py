import datetime as dt

import factory
from django.utils import timezone

from sizhi.deliberation.models import Area, Motion, Origin
from sizhi.deliberation.workflow import MotionState

NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


class MotionFactory(factory.django.DjangoModelFactory[Motion]):
    """Build with ``council``; the motion is the council's own matter."""

    class Meta:
        model = Motion

    council = None
    region = factory.LazyAttribute(lambda o: o.council.region)
    region_code = factory.LazyAttribute(lambda o: o.council.region_code)
    deciding_body = factory.LazyAttribute(lambda o: o.council)
    title = factory.Sequence(lambda n: f"修缮组内便道第{n}段")
    body = "组内便道年久失修，雨天泥泞，提议由组议事会商议筹资筹劳修缮。"
    area = Area.DEVELOPMENT
    origin = Origin.MEMBER
    state = MotionState.PROPOSED
    is_public = True
    created_at = factory.LazyFunction(timezone.now)
    updated_at = factory.LazyFunction(timezone.now)
