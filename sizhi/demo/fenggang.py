"""Place data of the demonstration county: Fenggang County (凤冈县), Zunyi, Guizhou.

The county code 520327 and the names of the 14 townships are real. The townships' codes follow
the national scheme (镇 from 100, 乡 from 200) in the order below, chosen so that the examples in
DESIGN.md hold (进化镇 = 520327101, its 临江村 = 520327101201). Village codes follow the same
scheme: communities (社区, 居委会) from 001, villages (村, 村委会) from 201.

Villages named in the source article are real: 临江村 (进化镇), whose group party branches
临平 and 街坝 deliberated the eco park, and 田坝村 (永安镇, tea). The other village and
community names are plausible but invented for the demo, and so are all group counts, except
that they add up to the published total of 2,169 village groups.
"""

from dataclasses import dataclass

COUNTY_CODE = "520327"
COUNTY_NAME = "凤冈县"
CITY_NAME = "遵义市"

TOTAL_GROUPS = 2169
TOTAL_GROUP_PARTY_BRANCHES = 522
TOTAL_COUNCIL_MEMBERS = 10038

# The township of the small profile, and the places the demo accounts are attached to.
SMALL_TOWNSHIP = "520327101"
HOME_VILLAGE = "520327101201"
SIBLING_VILLAGE = "520327101202"
HOME_GROUP = "520327101201001"


@dataclass(frozen=True)
class VillageData:
    name: str
    groups: int
    # Named groups first (in code order); the rest are numbered 一组, 二组, … by position.
    group_names: tuple[str, ...] = ()

    @property
    def is_community(self) -> bool:
        return self.name.endswith("社区")


@dataclass(frozen=True)
class TownshipData:
    code: str
    name: str
    villages: tuple[VillageData, ...]
    # Optional facilities this township is known for (see sizhi.orgs.standards).
    known_facilities: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        if self.name.endswith("街道"):
            return "subdistrict"
        return "township" if self.name.endswith("乡") else "town"

    @property
    def group_count(self) -> int:
        return sum(village.groups for village in self.villages)


def _v(name: str, groups: int, *group_names: str) -> VillageData:
    return VillageData(name=name, groups=groups, group_names=group_names)


TOWNSHIPS: tuple[TownshipData, ...] = (
    TownshipData(
        "520327100",
        "龙泉镇",
        (
            _v("城东社区", 14),
            _v("城南社区", 12),
            _v("城西社区", 12),
            _v("城北社区", 14),
            _v("凤鸣社区", 10),
            _v("大都村", 27),
            _v("桃坪村", 32),
            _v("新华村", 27),
            _v("龙滩村", 32),
            _v("沙坝村", 26),
            _v("水井村", 30),
            _v("双河村", 24),
        ),
    ),
    TownshipData(
        "520327101",
        "进化镇",
        (
            _v("临江村", 32, "临平组", "街坝组"),
            _v("进化村", 26),
            _v("青龙村", 21),
            _v("黄坪村", 28),
            _v("九龙村", 29),
            _v("茶园村", 29),
            _v("石门村", 27),
            _v("中坝村", 19),
        ),
    ),
    TownshipData(
        "520327102",
        "琊川镇",
        (
            _v("琊川村", 27),
            _v("大坪村", 18),
            _v("朝阳村", 28),
            _v("茅坪村", 26),
            _v("新田村", 22),
            _v("梨园村", 29),
            _v("石板村", 19),
        ),
    ),
    TownshipData(
        "520327103",
        "蜂岩镇",
        (
            _v("蜂岩村", 25),
            _v("凉水村", 31),
            _v("花园村", 21),
            _v("白岩村", 31),
            _v("马鞍村", 20),
            _v("坪上村", 20),
        ),
    ),
    TownshipData(
        "520327104",
        "绥阳镇",
        (
            _v("绥阳村", 27),
            _v("玛瑙村", 18),
            _v("金鸡村", 24),
            _v("大塘村", 24),
            _v("鱼泉村", 27),
            _v("三星村", 27),
            _v("河坝村", 22),
        ),
    ),
    TownshipData(
        "520327105",
        "土溪镇",
        (
            _v("土溪村", 21),
            _v("桐梓村", 18),
            _v("长岭村", 27),
            _v("红星村", 21),
            _v("关口村", 29),
            _v("兴隆村", 18),
        ),
    ),
    TownshipData(
        "520327106",
        "永安镇",
        (
            _v("田坝村", 18),
            _v("永安村", 32),
            _v("官田村", 31),
            _v("崇新村", 24),
            _v("红光村", 31),
            _v("大林村", 27),
        ),
        known_facilities=("masses_home",),
    ),
    TownshipData(
        "520327107",
        "何坝镇",
        (
            _v("何坝村", 19),
            _v("水河村", 30),
            _v("柏林村", 29),
            _v("高坪村", 24),
            _v("双龙村", 32),
            _v("太平村", 22),
        ),
    ),
    TownshipData(
        "520327108",
        "天桥镇",
        (
            _v("天桥村", 31),
            _v("龙井村", 30),
            _v("金竹村", 20),
            _v("平溪村", 28),
            _v("四坪村", 30),
        ),
    ),
    TownshipData(
        "520327109",
        "王寨镇",
        (
            _v("王寨村", 18),
            _v("大岩村", 25),
            _v("松林村", 19),
            _v("白果村", 30),
            _v("新民村", 29),
        ),
    ),
    TownshipData(
        "520327110",
        "花坪镇",
        (
            _v("花坪村", 26),
            _v("漆坪村", 32),
            _v("杉树村", 24),
            _v("大河村", 25),
            _v("青杠村", 30),
            _v("桂花村", 19),
        ),
    ),
    TownshipData(
        "520327111",
        "新建镇",
        (
            _v("新建村", 26),
            _v("长碛村", 29),
            _v("桃园村", 21),
            _v("茶山村", 27),
            _v("龙塘村", 22),
        ),
    ),
    TownshipData(
        "520327112",
        "永和镇",
        (
            _v("永和村", 25),
            _v("中心村", 24),
            _v("石朝村", 25),
            _v("黄荆村", 27),
            _v("两河村", 25),
        ),
    ),
    TownshipData(
        "520327200",
        "石径乡",
        (
            _v("石径村", 25),
            _v("鱼塘村", 25),
            _v("楠木村", 21),
            _v("高峰村", 21),
        ),
    ),
)

# County departments (县直部门) that take cases and post first deputy secretaries.
COUNTY_DEPARTMENTS: tuple[str, ...] = (
    "民政局",
    "农业农村局",
    "水务局",
    "交通运输局",
    "住房和城乡建设局",
    "卫生健康局",
    "教育局",
    "自然资源局",
    "人力资源和社会保障局",
    "市场监督管理局",
    "公安局",
    "信访局",
    "司法局",
)

# Residential compounds used as names of the groups (居民小组) of communities.
NEIGHBOURHOOD_NAMES: tuple[str, ...] = (
    "滨江",
    "茶城",
    "玉屏",
    "和平",
    "中华",
    "文化",
    "新城",
    "桂花",
    "龙泉",
    "锦绣",
    "阳光",
    "花园",
    "翠竹",
    "紫薇",
    "金桥",
    "书香",
    "康宁",
    "富民",
    "凤翔",
    "碧水",
    "安居",
    "育才",
    "幸福",
    "丰收",
    "茶香",
    "青山",
    "民乐",
    "惠民",
    "兴隆",
    "明珠",
    "长青",
    "福源",
    "春晖",
    "祥和",
    "清溪",
    "凤凰",
    "云台",
    "望江",
    "东升",
    "朝晖",
    "同心",
    "景泰",
    "宏达",
    "龙腾",
    "润园",
    "盛世",
    "南苑",
    "北苑",
    "西苑",
    "东苑",
    "金凤",
    "怡景",
    "瑞丰",
    "新民",
    "永乐",
    "华府",
    "嘉园",
    "水岸",
    "泉城",
    "荷塘",
    "枫林",
    "银杏",
)

_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 35 → 三十五 (1 ≤ n ≤ 99)."""
    if not 1 <= n <= 99:
        raise ValueError(n)
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    head = "" if tens == 1 else _DIGITS[tens]
    return head + "十" + (_DIGITS[ones] if ones else "")


def township_by_code(code: str) -> TownshipData:
    for township in TOWNSHIPS:
        if township.code == code:
            return township
    raise KeyError(code)


def village_codes(township: TownshipData) -> list[str]:
    """Codes of a township's villages, in data order: communities 001…, villages 201…."""
    codes: list[str] = []
    communities = villages = 0
    for village in township.villages:
        if village.is_community:
            communities += 1
            codes.append(f"{township.code}{communities:03d}")
        else:
            villages += 1
            codes.append(f"{township.code}{200 + villages:03d}")
    return codes


def group_names(township: TownshipData, village_index: int) -> list[str]:
    """The names of the groups of one village, in code order."""
    village = township.villages[village_index]
    if village.is_community:
        offset = sum(v.groups for v in township.villages[:village_index] if v.is_community)
        pool = NEIGHBOURHOOD_NAMES
        return [f"{pool[(offset + i) % len(pool)]}小区" for i in range(village.groups)]
    named = list(village.group_names)
    return named + [chinese_number(i + 1) + "组" for i in range(len(named), village.groups)]
