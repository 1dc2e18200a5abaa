"""What the demo builds below each district, as plain data: codes, names, boundaries.

``plan_district`` returns a tree of ``Node``s; nothing is written to the database here, so the
whole subtree can be generated (and checked) before the first insert.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from shapely.geometry import Point

from shanzhi.accounts import demo as accounts_demo
from shanzhi.areas import geometry
from shanzhi.areas.models import AuxiliaryRole, GridKind, Level

from .shapes import Shape, partition, small_site

CITY_CODE = "370400"
CITY_NAME = "枣庄市"

# (GB/T 2260 code, name, real centre lon/lat) — the Voronoi seeds of the districts.
DISTRICTS: tuple[tuple[str, str, tuple[float, float]], ...] = (
    ("370402", "市中区", (117.56, 34.86)),
    ("370403", "薛城区", (117.28, 34.80)),
    ("370404", "峄城区", (117.59, 34.77)),
    ("370405", "台儿庄区", (117.73, 34.56)),
    ("370406", "山亭区", (117.46, 35.10)),
    ("370481", "滕州市", (117.16, 35.08)),
)


@dataclass(frozen=True)
class Plan:
    """How much to build below one district; counts are totals for the district."""

    towns: int
    villages: int
    basic: int
    dedicated: int
    professional: int
    professional_layers: int  # departments keeping a professional layer in every town


def _small(towns: int, villages: int, basic: int, dedicated: int, professional: int) -> Plan:
    return Plan(towns, villages, basic, dedicated, professional, professional_layers=2)


SMALL_PLANS: dict[str, Plan] = {
    "370402": _small(2, 5, 14, 2, 6),
    "370403": _small(3, 7, 20, 4, 9),
    "370404": _small(2, 5, 13, 2, 5),
    "370405": _small(2, 4, 11, 2, 5),
    "370406": _small(2, 5, 13, 2, 5),
    "370481": _small(3, 8, 22, 3, 8),
}
# The seed's figures for 薛城区 (DOMAIN.md §1): 251 村居, 916 / 185 / 86 grids.
SEED_PLANS: dict[str, Plan] = {
    "370403": Plan(
        towns=7, villages=251, basic=916, dedicated=185, professional=86, professional_layers=4
    ),
}


def plan_for(code: str, scale: str) -> Plan:
    if scale == "seed" and code in SEED_PLANS:
        return SEED_PLANS[code]
    return SMALL_PLANS[code]


# --- Names: generated, plausible, not real --------------------------------------------------------

PLACE_FIRST = "龙凤青金银东西南泉兴安宁和新永福丰华明光清秀云翠玉石柳桃杏荷兰松柏文德仁义古双"
PLACE_SECOND = "山河泉湖桥阳城兴源岭庄集营园林峰川溪台口店坡岗"
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏"
    "卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾"
    "侯邵孟万段雷钱汤尹黎易常武乔贺龚褚颜"
)
VILLAGE_SUFFIXES = ("庄", "楼", "屯", "集", "店", "营", "寨", "洼", "湖", "岭", "埠", "桥", "官庄",
                    "家庄", "家湖", "家楼", "疃", "圩")  # fmt: skip
VILLAGE_PREFIXES = "前后东西南北大小上下"
COMMUNITY_FIRST = "和幸阳文民锦康泰福嘉华祥瑞欣悦丽怡振鑫"
COMMUNITY_SECOND = "谐福光化生绣宁安园苑景城馨华茂盛源"
NUMERALS = "零一二三四五六七八九"

# Dedicated-grid sites: name suffix → (weight in a village, weight in a community).
DEDICATED_SITES: dict[str, tuple[float, float]] = {
    "小学": (3, 2),
    "中学": (1, 1.5),
    "幼儿园": (1.5, 2),
    "卫生院": (1.5, 0.5),
    "社区卫生服务中心": (0, 1.5),
    "工业园": (1.5, 0.5),
    "农贸市场": (1.5, 1.5),
    "商贸城": (0.3, 1),
    "养老院": (1, 1),
}
# Auxiliary members of a basic grid's team: weight in a village, weight in a community.
AUXILIARY_WEIGHTS: dict[str, tuple[float, float]] = {
    AuxiliaryRole.PARTY_MEMBER: (4, 3),
    AuxiliaryRole.POLICE: (2, 2),
    AuxiliaryRole.LAWYER: (1, 1),
    AuxiliaryRole.PROPERTY: (0.3, 3),
    AuxiliaryRole.VOLUNTEER: (3, 3),
    AuxiliaryRole.MEDIATOR: (2, 1),
    AuxiliaryRole.BUILDING_HEAD: (0.3, 3),
}


def chinese_number(n: int) -> str:
    """1–99 in Chinese numerals (一, 十二, 二十)."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return NUMERALS[ones]
    head = "" if tens == 1 else NUMERALS[tens]
    return f"{head}十{NUMERALS[ones] if ones else ''}"


class Names:
    """Place names unique within one district."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def _unique(self, make: Callable[[], str]) -> str:
        for _ in range(200):
            name = make()
            if name not in self.used:
                self.used.add(name)
                return name
        name = f"{make()}{len(self.used)}"
        self.used.add(name)
        return name

    def _stem(self) -> str:
        first = self.rng.choice(PLACE_FIRST)
        return first + self.rng.choice(PLACE_SECOND.replace(first, ""))

    def town(self, urban: bool) -> str:
        return self._unique(lambda: self._stem() + ("街道" if urban else "镇"))

    def village(self) -> str:
        def make() -> str:
            prefix = self.rng.choice(VILLAGE_PREFIXES) if self.rng.random() < 0.3 else ""
            return f"{prefix}{self.rng.choice(SURNAMES)}{self.rng.choice(VILLAGE_SUFFIXES)}村"

        return self._unique(make)

    def community(self) -> str:
        def make() -> str:
            first = self.rng.choice(COMMUNITY_FIRST)
            return first + self.rng.choice(COMMUNITY_SECOND.replace(first, "")) + "社区"

        return self._unique(make)


def stem_of(village_name: str) -> str:
    for suffix in ("社区", "村"):
        if village_name.endswith(suffix):
            return village_name[: -len(suffix)]
    return village_name


def allocate(
    total: int, weights: Sequence[float], minimum: int = 0, maximum: int | None = None
) -> list[int]:
    """Split ``total`` into integer shares proportional to ``weights`` (largest remainder),
    each between ``minimum`` and ``maximum``; the shares add up to ``total`` exactly."""
    count = len(weights)
    rest = total - minimum * count
    if rest < 0 or (maximum is not None and total > maximum * count):
        raise ValueError(f"cannot split {total} into {count} shares of {minimum}–{maximum}")
    scale = rest / (sum(weights) or 1)
    exact = [w * scale for w in weights]
    shares = [minimum + int(e) for e in exact]
    by_remainder = sorted(range(count), key=lambda i: exact[i] - int(exact[i]), reverse=True)
    for i in by_remainder[: total - sum(shares)]:
        shares[i] += 1
    if maximum is not None:
        excess = sum(max(0, s - maximum) for s in shares)
        shares = [min(s, maximum) for s in shares]
        for i in sorted(range(count), key=lambda i: weights[i], reverse=True):
            while excess and shares[i] < maximum:
                shares[i] += 1
                excess -= 1
    return shares


@dataclass
class Node:
    level: int
    code: str
    name: str
    geom: Shape
    kind: str = ""
    department_key: str = ""
    site: str = ""  # a dedicated grid's site, e.g. 小学
    community: bool = False  # a village that is an urban community (社区)
    children: list[Node] = field(default_factory=list)


def plan_district(
    *,
    code: str,
    name: str,
    geom: Shape,
    centre: tuple[float, float],
    plan: Plan,
    rng: random.Random,
) -> Node:
    """The district's subtree: towns (街道 near the district centre, 镇 further out), their
    villages/communities, basic grids tiling each village, dedicated sites and professional
    layers. Codes: town = district + 3 digits, village = town + 3 digits, basic grid =
    village + 3 digits, dedicated = village + Z01…, professional = town + P01…."""
    names = Names(rng)
    district = Node(Level.DISTRICT, code, name, geom)
    town_geoms = partition(geom, plan.towns, rng)
    nearest = sorted(range(plan.towns), key=lambda i: town_geoms[i].distance(Point(centre)))
    urban = set(nearest[: math.ceil(plan.towns / 2)])
    sizes = [geometry.area_km2(g) * rng.uniform(0.8, 1.25) for g in town_geoms]
    village_counts = allocate(plan.villages, sizes, minimum=1)
    for t, town_geom in enumerate(town_geoms):
        town = Node(Level.TOWN, f"{code}{t + 1:03d}", names.town(t in urban), town_geom)
        for v, village_geom in enumerate(partition(town_geom, village_counts[t], rng)):
            community = t in urban or rng.random() < 0.12
            village_name = names.community() if community else names.village()
            town.children.append(
                Node(
                    Level.VILLAGE,
                    f"{town.code}{v + 1:03d}",
                    village_name,
                    village_geom,
                    community=community,
                )
            )
        district.children.append(town)

    villages = [v for town in district.children for v in town.children]
    basic = allocate(
        plan.basic,
        [(2.2 if v.community else 1.0) * rng.uniform(0.7, 1.4) for v in villages],
        minimum=1,
    )
    if basic[0] < 2:  # the first village shows two grids side by side (gw_a, gw_b)
        basic[basic.index(max(basic))] -= 1
        basic[0] += 1
    dedicated = allocate(
        plan.dedicated,
        [(1.6 if v.community else 1.0) * rng.random() for v in villages],
        maximum=3,
    )
    for village, n_basic, n_dedicated in zip(villages, basic, dedicated, strict=True):
        for g, grid_geom in enumerate(partition(village.geom, n_basic, rng)):
            village.children.append(
                Node(
                    Level.GRID,
                    f"{village.code}{g + 1:03d}",
                    f"{village.name}第{chinese_number(g + 1)}网格",
                    grid_geom,
                    kind=GridKind.BASIC,
                )
            )
        _plan_dedicated(village, n_dedicated, rng)

    layers = [
        (town, key)
        for town in district.children
        for key in accounts_demo.PROFESSIONAL_LAYERS[: plan.professional_layers]
    ]
    per_layer = allocate(plan.professional, [rng.uniform(0.6, 1.4) for _ in layers], minimum=1)
    serial = {town.code: 0 for town in district.children}
    for (town, key), n in zip(layers, per_layer, strict=True):
        short = accounts_demo.department_short(key)
        for i, cell in enumerate(partition(town.geom, n, rng, relax=1)):
            serial[town.code] += 1
            town.children.append(
                Node(
                    Level.GRID,
                    f"{town.code}P{serial[town.code]:02d}",
                    f"{town.name}{short}第{chinese_number(i + 1)}专业网格",
                    cell,
                    kind=GridKind.PROFESSIONAL,
                    department_key=key,
                )
            )
    return district


def _plan_dedicated(village: Node, count: int, rng: random.Random) -> None:
    column = 1 if village.community else 0
    sites = [name for name, weights in DEDICATED_SITES.items() if weights[column] > 0]
    chosen: list[str] = []
    while len(chosen) < count:
        (site,) = rng.choices(sites, weights=[DEDICATED_SITES[s][column] for s in sites])
        if site not in chosen:
            chosen.append(site)
    side = min(0.004, math.sqrt(village.geom.area) * 0.25)
    taken: list[Shape] = []
    for z, site_name in enumerate(chosen, start=1):
        geom = small_site(village.geom, rng, taken, side)
        taken.append(geom)
        village.children.append(
            Node(
                Level.GRID,
                f"{village.code}Z{z:02d}",
                f"{stem_of(village.name)}{site_name}专属网格",
                geom,
                kind=GridKind.DEDICATED,
                site=site_name,
            )
        )
