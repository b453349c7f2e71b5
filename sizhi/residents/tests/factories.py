import datetime

import factory

from sizhi.core.text import name_pinyin_of
from sizhi.orgs.tests.factories import RegionFactory, UnitFactory
from sizhi.residents.models import Household, Membership, Person


class HouseholdFactory(factory.django.DjangoModelFactory[Household]):
    class Meta:
        model = Household

    region = factory.SubFactory(RegionFactory, code="520327101201001")
    region_code = factory.LazyAttribute(lambda o: o.region.code)
    number = factory.Sequence(lambda n: f"H{n:06d}")
    address = factory.Sequence(lambda n: f"进化镇临江村一组{n}号")
    size = 1


class PersonFactory(factory.django.DjangoModelFactory[Person]):
    class Meta:
        model = Person

    household = factory.SubFactory(HouseholdFactory)
    region = factory.LazyAttribute(lambda o: o.household.region)
    region_code = factory.LazyAttribute(lambda o: o.household.region_code)
    relation = "head"
    name = factory.Sequence(lambda n: f"张{'一二三四五六七八九十'[n % 10]}{n}")
    name_pinyin = factory.LazyAttribute(lambda o: name_pinyin_of(o.name))
    gender = "m"
    birth_year = 1970
    phone = factory.Sequence(lambda n: f"137{n:08d}")


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    person = factory.SubFactory(PersonFactory)
    unit = factory.SubFactory(UnitFactory)
    region_code = factory.LazyAttribute(lambda o: o.unit.region_code)
    role = "member"
    selection = "elected"
    started_on = datetime.date(2024, 1, 1)
