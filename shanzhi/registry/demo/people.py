"""Synthetic people for the registry demo: names, valid GB 11643 numbers that never
repeat, and households of plausible families (a head, a spouse, children, sometimes a parent)."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from shanzhi.areas.demo import plan as area_plan

from .. import identity
from ..identity import Gender, IdType
from ..models import (
    PoliticalStatus,
    Relation,
    ResidenceCategory,
)

# Births are drawn back from this date, not from today, so a rerun on another day draws the
# same numbers.
REFERENCE_DATE = datetime.date(2025, 12, 31)


SURNAME_WEIGHTS = [1 / (i + 8) for i in range(len(area_plan.SURNAMES))]
MALE_CHARS = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宁浩凯健俊帆帅旭宇晨阳龙林峰建国志东海亮成"
FEMALE_CHARS = "芳娜敏静丽艳娟霞燕玲婷慧莹雪琳颖倩洁红梅兰凤云秀英华玉萍桂珍晶欣怡悦佳瑶璐"
COMMON_CHARS = "文家子嘉思雨梓一诗博安新晓天永春立德"
OCCUPATIONS_ADULT = (
    "务农", "务农", "工人", "工人", "个体经营", "公司职员", "教师", "司机", "建筑工人",
    "医护人员", "服务员", "厨师", "保安", "快递员", "自由职业", "无业",
)  # fmt: skip
# Regions of Zaozhuang (GB/T 2260) an ID number may carry; floating residents come from another.
REGIONS: dict[str, str] = {code: name for code, name, _ in area_plan.DISTRICTS}
NATIONALITIES = ("韩国", "日本", "越南", "泰国", "美国", "德国", "巴基斯坦", "俄罗斯")
# Age in years: (lowest, highest, weight) bands, roughly a county's population pyramid.
AGE_BANDS = ((0, 14, 16), (15, 29, 17), (30, 44, 21), (45, 59, 24), (60, 74, 16), (75, 96, 6))
HOUSEHOLD_SIZES = ((1, 18), (2, 28), (3, 26), (4, 16), (5, 8), (6, 4))
MOBILE_PREFIXES = "133 135 136 137 138 139 150 151 152 155 157 158 159 177 180 182 186 188".split()


class IdentityPool:
    """Unique synthetic identity numbers for one run.

    A GB 11643 number is region (6) + birth date (8) + sequence (3, odd for men, even for
    women) + check digit. Each plan draws its sequence pairs from its own range, so the small
    and the seed registries cannot collide; within a run a set of used numbers decides.
    """

    def __init__(self, pairs: range, passport_base: int) -> None:
        self.pairs = pairs
        self.used: set[int] = set()
        self.passports = passport_base

    def resident(self, rng: random.Random, region: str, born: datetime.date, gender: str) -> str:
        ymd = born.year * 10_000 + born.month * 100 + born.day
        parity = 1 if gender == Gender.MALE else 0
        while True:
            seq = 2 * rng.randrange(self.pairs.start, self.pairs.stop) + parity
            key = (int(region) * 100_000_000 + ymd) * 1000 + seq
            if key not in self.used:
                self.used.add(key)
                break
        first17 = f"{region}{ymd:08d}{seq:03d}"
        return first17 + identity.check_digit(first17)

    def passport(self) -> str:
        self.passports += 1
        return f"E{self.passports:08d}"


def small_pool() -> IdentityPool:
    return IdentityPool(range(450, 500), passport_base=90_000_000)


def seed_pool() -> IdentityPool:
    return IdentityPool(range(1, 450), passport_base=10_000_000)


@dataclass(slots=True)
class Resident:
    name: str
    gender: str
    born: datetime.date
    id_type: str
    id_number: str
    phone: str
    category: str
    relation: str
    political: str
    occupation: str
    origin: str
    tags: list[str] = field(default_factory=list)


@dataclass(slots=True)
class HouseholdPlan:
    members: list[Resident]
    house: int  # index into the grid's houses
    tenant: bool
    moved_in: datetime.date


def _given_names(chars: str, count: int, rng: random.Random) -> tuple[str, ...]:
    names: set[str] = set()
    while len(names) < count:
        if rng.random() < 0.25:
            names.add(rng.choice(chars))
        else:
            first = rng.choice(COMMON_CHARS) if rng.random() < 0.3 else rng.choice(chars)
            names.add(first + rng.choice(chars))
    return tuple(sorted(names))


# Given names come from a fixed pool per gender, as real ones cluster; it also lets the pinyin
# of repeated names be reused (``pinyin_memo``).
_POOL_RNG = random.Random("registry-given-names")  # noqa: S311 - synthetic names
GIVEN_NAMES = {
    Gender.MALE: _given_names(MALE_CHARS, 500, _POOL_RNG),
    Gender.FEMALE: _given_names(FEMALE_CHARS, 500, _POOL_RNG),
}


def person_name(rng: random.Random, gender: str, surname: str | None = None) -> str:
    surname = surname or rng.choices(area_plan.SURNAMES, weights=SURNAME_WEIGHTS)[0]
    return surname + rng.choice(
        GIVEN_NAMES[Gender.MALE if gender == Gender.MALE else Gender.FEMALE]
    )


def birth_date(rng: random.Random, lowest: int, highest: int) -> datetime.date:
    lowest = min(max(0, lowest), 98)
    highest = min(max(lowest, highest), 98)
    days = rng.randint(lowest * 365 + 1, highest * 365 + 364)
    return REFERENCE_DATE - datetime.timedelta(days=days)


def age_of(born: datetime.date) -> int:
    return (REFERENCE_DATE - born).days // 365


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(100_000_000):08d}"


class PeopleMaker:
    """Households of plausible people: a head, a spouse, children, sometimes a parent."""

    def __init__(self, rng: random.Random, pool: IdentityPool, home_region: str) -> None:
        self.rng = rng
        self.pool = pool
        self.home_region = home_region

    def person(
        self, *, gender: str, born: datetime.date, relation: str, category: str, surname: str = ""
    ) -> Resident:
        rng = self.rng
        age = age_of(born)
        origin = ""
        if category == ResidenceCategory.OVERSEAS:
            id_type, number = IdType.PASSPORT, self.pool.passport()
            origin = rng.choice(NATIONALITIES)
        else:
            region = self.home_region
            if category == ResidenceCategory.FLOATING or rng.random() < 0.12:
                region = rng.choice([r for r in REGIONS if r != self.home_region])
            if category == ResidenceCategory.FLOATING:
                origin = f"{area_plan.CITY_NAME}{REGIONS[region]}"
            id_type, number = IdType.RESIDENT, self.pool.resident(rng, region, born, gender)
        if age < 7:
            occupation = "学龄前儿童"
        elif age < 19:
            occupation = "学生"
        elif age >= 62:
            occupation = "退休" if rng.random() < 0.5 else "务农"
        else:
            occupation = rng.choice(OCCUPATIONS_ADULT)
        political = PoliticalStatus.MASSES
        if age >= 18 and rng.random() < 0.09:
            political = PoliticalStatus.PARTY_MEMBER
        elif 14 <= age <= 28 and rng.random() < 0.3:
            political = PoliticalStatus.LEAGUE_MEMBER
        resident = Resident(
            name=person_name(rng, gender, surname or None),
            gender=gender,
            born=born,
            id_type=id_type,
            id_number=number,
            phone=mobile(rng) if age >= 16 and rng.random() < 0.92 else "",
            category=category,
            relation=relation,
            political=political,
            occupation=occupation,
            origin=origin,
        )
        if rng.random() < 0.03:
            resident.tags.append("dibao")
        if rng.random() < 0.02:
            resident.tags.append("disabled")
        if gender == Gender.MALE and age >= 40 and rng.random() < 0.05:
            resident.tags.append("veteran")
        if 14 <= age <= 25 and rng.random() < 0.01:
            resident.tags.append("key_youth")
        return resident

    def household(self, size: int) -> list[Resident]:
        rng = self.rng
        roll = rng.random()
        category = (
            ResidenceCategory.FLOATING
            if roll < 0.14
            else ResidenceCategory.OVERSEAS
            if roll < 0.145
            else ResidenceCategory.REGISTERED
        )
        head_gender = Gender.MALE if rng.random() < 0.7 else Gender.FEMALE
        lowest, highest, _ = rng.choices(AGE_BANDS[1:], weights=[b[2] for b in AGE_BANDS[1:]])[0]
        head_born = birth_date(rng, max(lowest, 20), highest)
        head_age = age_of(head_born)
        head = self.person(
            gender=head_gender, born=head_born, relation=Relation.HEAD, category=category
        )
        surname = head.name[0]
        members = [head]
        if size >= 2:
            other = Gender.FEMALE if head_gender == Gender.MALE else Gender.MALE
            spouse_age = head_age + rng.randint(-5, 5)
            members.append(
                self.person(
                    gender=other,
                    born=birth_date(rng, max(18, spouse_age), max(18, spouse_age)),
                    relation=Relation.SPOUSE,
                    category=category,
                )
            )
        for _ in range(size - len(members)):
            if head_age >= 55 and rng.random() < 0.5:
                relation, age = Relation.GRANDCHILD, head_age - rng.randint(45, 60)
            elif head_age <= 60 and rng.random() < 0.18:
                relation, age = Relation.PARENT, head_age + rng.randint(22, 32)
            else:
                relation, age = Relation.CHILD, head_age - rng.randint(20, 38)
            age = max(0, min(96, age))
            child_category = category
            if (
                category == ResidenceCategory.REGISTERED
                and relation in (Relation.CHILD, Relation.GRANDCHILD)
                and age < 16
                and rng.random() < 0.08
            ):
                child_category = ResidenceCategory.LEFT_BEHIND
            gender = Gender.MALE if rng.random() < 0.51 else Gender.FEMALE
            member = self.person(
                gender=gender,
                born=birth_date(rng, age, age),
                relation=relation,
                category=child_category,
                surname=surname if relation != Relation.PARENT or gender == head_gender else "",
            )
            if child_category == ResidenceCategory.LEFT_BEHIND:
                member.tags.append("left_behind_child")
            members.append(member)
        if size == 1 and head_age >= 70:
            head.tags.append("elderly_alone")
        return members


def household_sizes(rng: random.Random, persons: int) -> list[int]:
    sizes: list[int] = []
    left = persons
    while left > 0:
        size = rng.choices([s for s, _ in HOUSEHOLD_SIZES], weights=[w for _, w in HOUSEHOLD_SIZES])
        sizes.append(min(size[0], left))
        left -= sizes[-1]
    return sizes
