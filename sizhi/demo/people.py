"""Generated residents: names, households, ID numbers and phones (pure, no database).

Everything is drawn from the ``random.Random`` passed in, so the same seed gives the same
people. ID numbers exist only inside ``new_id_number``'s caller for as long as it takes to hash
them: the plan keeps the keyed hash and the last four characters, never the number.
"""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate

from sizhi.core.pii import hash_id_number, id_check_char
from sizhi.core.text import SURNAME_READINGS, pinyin_of
from sizhi.demo.fenggang import COUNTY_CODE

# Ages are counted at this year, not today's, so the data does not drift with the clock.
REFERENCE_YEAR = 2025
ADULT_AGE = 18
DEMO_PHONE_PREFIX = "1390000"

# Common surnames in Fenggang and northern Guizhou, with rough relative weights.
SURNAMES: tuple[tuple[str, int], ...] = (
    ("张", 60), ("王", 55), ("李", 52), ("陈", 48), ("杨", 46), ("刘", 42), ("冉", 38),
    ("任", 36), ("田", 34), ("罗", 32), ("何", 26), ("周", 25), ("吴", 24), ("黄", 22),
    ("赵", 20), ("徐", 18), ("胡", 18), ("谢", 16), ("唐", 16), ("邓", 15), ("龙", 14),
    ("安", 13), ("夏", 12), ("付", 12), ("曾", 12), ("彭", 11), ("孙", 10), ("朱", 10),
    ("高", 10), ("郑", 9), ("梁", 9), ("宋", 8), ("韩", 8), ("冯", 8), ("袁", 8), ("蒋", 7),
    ("余", 7), ("杜", 7), ("魏", 6), ("石", 6), ("廖", 6), ("邹", 6), ("熊", 6), ("秦", 5),
    ("汪", 5), ("姚", 5), ("雷", 5), ("黎", 5), ("向", 5), ("谭", 5), ("文", 4), ("陆", 4),
    ("肖", 4), ("母", 4), ("覃", 3), ("幸", 2),
)  # fmt: skip
# Surnames whose reading differs from the character's default reading.

_OLDER_MALE = (
    "建国华明军伟刚强勇杰涛斌超波辉林海洋飞鹏志文武成德光荣昌福贵发永学宗兴安东平江山峰磊忠"
)
_OLDER_FEMALE = "芳娟英秀兰玉梅丽红霞琴凤珍桂香翠娥莲花碧琼燕萍敏静婷慧娜艳菊春丹雪群"
_YOUNGER_MALE = "宇轩浩然子梓航睿博晨泽豪铭俊杰鑫阳毅楠旭"
_YOUNGER_FEMALE = "涵萱欣怡雨诗琪妍可馨悦佳梦思语彤雅婷瑶"

# Household sizes and their weights: about 3.1 persons per household on average.
HOUSEHOLD_SIZES = (1, 2, 3, 4, 5, 6, 7)
HOUSEHOLD_SIZE_WEIGHTS = (15, 23, 26, 19, 10, 5, 2)

# Mobile prefixes of the three carriers. Numbers starting 1390000 are left to demo accounts.
PHONE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
    "153", "155", "156", "157", "158", "159", "166", "173", "177", "180", "181", "182",
    "183", "185", "186", "187", "188", "189", "191", "198", "199",
)  # fmt: skip

# Each township gets its own block of 70 ID sequence numbers (3 digits), so townships never
# draw the same number and the small profile's people are exactly those of the full profile.
ID_SEQUENCE_BLOCK = 70

_SURNAME_CUM = list(accumulate(weight for _, weight in SURNAMES))
_SURNAME_CHARS = [name for name, _ in SURNAMES]
_SIZE_CUM = list(accumulate(HOUSEHOLD_SIZE_WEIGHTS))


@dataclass(slots=True)
class PersonPlan:
    relation: str
    name: str
    name_pinyin: str
    gender: str
    birth_year: int
    phone: str = ""
    id_hash: str = ""
    id_last4: str = ""
    is_party_member: bool = False

    @property
    def age(self) -> int:
        return REFERENCE_YEAR - self.birth_year


@dataclass(slots=True)
class HouseholdPlan:
    group_code: str
    number: str
    address: str
    members: list[PersonPlan] = field(default_factory=list)


class NameMaker:
    """Chinese names with their pinyin; the pinyin of surnames and of given names is cached
    separately (about 60 surnames, a few thousand given names), since pypinyin is slow
    (≈ 30 µs a call) and a county has 430,000 names."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._pinyin: dict[str, str] = {}

    def surname(self) -> str:
        return self.rng.choices(_SURNAME_CHARS, cum_weights=_SURNAME_CUM)[0]

    def given(self, gender: str, birth_year: int) -> str:
        rng = self.rng
        young = birth_year >= 1995
        if gender == "m":
            pool = _YOUNGER_MALE if young else _OLDER_MALE
        else:
            pool = _YOUNGER_FEMALE if young else _OLDER_FEMALE
        if rng.random() < (0.15 if young else 0.3):
            return rng.choice(pool)
        first = rng.choice(pool)
        # Reduplicated names (婷婷, 丽丽) are common for girls.
        second = first if gender == "f" and rng.random() < 0.05 else rng.choice(pool)
        return first + second

    def pinyin(self, surname: str, given: str) -> str:
        cache = self._pinyin
        head = cache.get(surname)
        if head is None:
            head = cache[surname] = SURNAME_READINGS.get(surname) or pinyin_of(surname)
        tail = cache.get(given)
        if tail is None:
            tail = cache[given] = pinyin_of(given)
        return head + tail

    def person(self, relation: str, surname: str, gender: str, birth_year: int) -> PersonPlan:
        given = self.given(gender, birth_year)
        return PersonPlan(
            relation=relation,
            name=surname + given,
            name_pinyin=self.pinyin(surname, given),
            gender=gender,
            birth_year=birth_year,
        )


def new_id_number(
    rng: random.Random, birth_year: int, gender: str, block: int, used: set[str]
) -> str:
    """A GB 11643 resident ID number of the county, unique within ``used`` (which it updates):
    520327 + birth date + a sequence number (odd for men, even for women) + check character."""
    start = date(birth_year, 1, 1)
    days = (date(birth_year + 1, 1, 1) - start).days
    parity = 1 if gender == "m" else 0
    half = ID_SEQUENCE_BLOCK // 2
    while True:
        born = start + timedelta(days=rng.randrange(days))
        sequence = block * ID_SEQUENCE_BLOCK + 2 * rng.randrange(half) + parity
        first17 = f"{COUNTY_CODE}{born:%Y%m%d}{sequence:03d}"
        if first17 not in used:
            used.add(first17)
            return first17 + id_check_char(first17)


def new_phone(rng: random.Random) -> str:
    while True:
        phone = rng.choice(PHONE_PREFIXES) + f"{rng.randrange(100_000_000):08d}"
        if not phone.startswith(DEMO_PHONE_PREFIX):
            return phone


def _bounded(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


class HouseholdMaker:
    """Families of a plausible shape: a head, usually a spouse, children; parents of young
    heads; grandchildren of old ones. Identity, phones and party membership are added here."""

    def __init__(self, rng: random.Random, id_block: int) -> None:
        self.rng = rng
        self.names = NameMaker(rng)
        self.id_block = id_block
        self.used_ids: set[str] = set()

    def household(self, group_code: str, number: str, address: str) -> HouseholdPlan:
        rng = self.rng
        names = self.names
        size = HOUSEHOLD_SIZES[rng.choices(range(len(HOUSEHOLD_SIZES)), cum_weights=_SIZE_CUM)[0]]
        head_gender = "m" if rng.random() < 0.82 else "f"
        head_age = int(rng.triangular(24, 88, 50))
        if size == 1 and rng.random() < 0.5:
            head_age = max(head_age, rng.randint(60, 90))
        family = names.surname()
        head = names.person("head", family, head_gender, REFERENCE_YEAR - head_age)
        members = [head]
        child_family = family
        remaining = size - 1
        if remaining and rng.random() < 0.88:
            spouse_gender = "f" if head_gender == "m" else "m"
            spouse_age = _bounded(head_age + rng.randint(-6, 4), 20, 95)
            spouse_family = names.surname()
            if spouse_gender == "m":
                child_family = spouse_family
            members.append(
                names.person("spouse", spouse_family, spouse_gender, REFERENCE_YEAR - spouse_age)
            )
            remaining -= 1
        if remaining and head_age < 50 and rng.random() < 0.35:
            parent_age = _bounded(head_age + rng.randint(22, 32), 45, 98)
            gender = "m" if rng.random() < 0.4 else "f"
            members.append(names.person("parent", family, gender, REFERENCE_YEAR - parent_age))
            remaining -= 1
        child_age = 0
        grandchildren = remaining >= 2 and head_age >= 55
        children = 1 if grandchildren else remaining
        for _ in range(children):
            child_age = max(0, head_age - rng.randint(22, 34))
            gender = "m" if rng.random() < 0.52 else "f"
            members.append(names.person("child", child_family, gender, REFERENCE_YEAR - child_age))
        if grandchildren:
            for _ in range(remaining - 1):
                age = max(0, child_age - rng.randint(21, 32), rng.randint(0, 6))
                gender = "m" if rng.random() < 0.52 else "f"
                members.append(names.person("grandchild", family, gender, REFERENCE_YEAR - age))
        for person in members:
            self._identity(person)
        return HouseholdPlan(group_code=group_code, number=number, address=address, members=members)

    def _identity(self, person: PersonPlan) -> None:
        rng = self.rng
        id_number = new_id_number(
            rng, person.birth_year, person.gender, self.id_block, self.used_ids
        )
        person.id_hash = hash_id_number(id_number)
        person.id_last4 = id_number[-4:]
        age = person.age
        phone_rate = 0.7 if ADULT_AGE <= age <= 70 else 0.3 if 70 < age <= 80 else 0.0
        if phone_rate and rng.random() < phone_rate:
            person.phone = new_phone(rng)
        if age >= 20:
            rate = 0.11 if person.gender == "m" else 0.045
            if age >= 45:
                rate *= 1.3
            person.is_party_member = rng.random() < rate
