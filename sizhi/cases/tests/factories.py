import factory
from django.utils import timezone

from sizhi.cases.models import Case, Category
from sizhi.orgs.tests.factories import RegionFactory


class CategoryFactory(factory.django.DjangoModelFactory[Category]):
    class Meta:
        model = Category
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"C{n:04d}")
    name = factory.Sequence(lambda n: f"分类{n}")
    owner_level = "village"


class CaseFactory(factory.django.DjangoModelFactory[Case]):
    """A case row as intake would leave it; use the actions to move it."""

    class Meta:
        model = Case

    number = factory.Sequence(lambda n: f"520327-2026-{n + 900000:06d}")
    county_code = "520327"
    kind = "complaint"
    channel = "web"
    category = factory.SubFactory(CategoryFactory)
    urgency = "normal"
    title = factory.Sequence(lambda n: f"诉求{n}")
    description = "路灯坏了"
    region = factory.SubFactory(RegionFactory, code="520327101201001")
    region_code = factory.LazyAttribute(lambda o: o.region.code)
    contact_phone = "13812345678"
    received_at = factory.LazyFunction(timezone.now)
