import factory

from sizhi.core import regioncode
from sizhi.core.text import initials_of, pinyin_of
from sizhi.orgs.models import Region, RoleGrant, ServicePoint, Unit, UnitKind

KIND_FOR_LEVEL = {"county": "county", "township": "town", "village": "village", "group": "group"}


class RegionFactory(factory.django.DjangoModelFactory[Region]):
    """Build with ``code``; level, kind and parent follow from it (the parent must exist)."""

    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = "520327"
    name = factory.LazyAttribute(lambda o: f"区域{o.code}")
    level = factory.LazyAttribute(lambda o: regioncode.level_of(o.code))
    kind = factory.LazyAttribute(lambda o: KIND_FOR_LEVEL[regioncode.level_of(o.code)])
    pinyin = factory.LazyAttribute(lambda o: pinyin_of(o.name))
    initials = factory.LazyAttribute(lambda o: initials_of(o.name))
    parent = factory.LazyAttribute(
        lambda o: (
            Region.objects.get(code=regioncode.parent_of(o.code))
            if regioncode.parent_of(o.code)
            else None
        )
    )


class UnitFactory(factory.django.DjangoModelFactory[Unit]):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"单位{n}")
    kind = UnitKind.COUNCIL
    region = factory.SubFactory(RegionFactory)
    region_code = factory.LazyAttribute(lambda o: o.region.code)


class ServicePointFactory(factory.django.DjangoModelFactory[ServicePoint]):
    class Meta:
        model = ServicePoint

    region = factory.SubFactory(RegionFactory)
    region_code = factory.LazyAttribute(lambda o: o.region.code)
    name = factory.LazyAttribute(lambda o: f"{o.region.name}服务阵地")
    facilities = factory.LazyFunction(list)


class RoleGrantFactory(factory.django.DjangoModelFactory[RoleGrant]):
    class Meta:
        model = RoleGrant

    role = "cadre"
    region = None
    unit = None
    region_code = factory.LazyAttribute(
        lambda o: o.region.code if o.region is not None else o.unit.region_code
    )
