import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook

from sizhi.core.errors import NotAllowed
from sizhi.core.models import AuditLog
from sizhi.orgs import regionexport, regionfile, regionio
from sizhi.orgs.actions import import_regions
from sizhi.orgs.models import Region
from sizhi.orgs.regionio import ImportRejected, RegionRow
from sizhi.orgs.tests.factories import RegionFactory, RoleGrantFactory

pytestmark = pytest.mark.django_db

HEADER = "区划代码,名称,类型,上级代码\n"
FIELDS = ("code", "name", "kind", "level", "parent_code", "pinyin", "initials")


def csv_bytes(body: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return (header + body).encode(encoding)


def report(data: bytes, filename: str = "regions.csv", *, update: bool = False, actor=None):
    """The (row, column, message) entries for a file, as the adapters produce them."""
    parsed = regionio.read_bytes(data, filename)
    problems = parsed.problems
    if not problems:
        try:
            import_regions(rows=parsed.rows, update_existing=update, actor=actor)
        except ImportRejected as exc:
            problems = exc.problems
    return [(p.row, p.column, p.message) for p in problems]


def tree_state():
    return list(
        Region.objects.order_by("code").values_list(
            "code", "name", "kind", "level", "parent__code", "pinyin", "initials"
        )
    )


def xlsx_bytes(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


GOOD = (
    "520327101,进化镇,镇,520327\n"
    "520327103,新建镇,镇,520327\n"
    "520327103201,新建村,村,520327103\n"
    "520327103201001,新建村一组,村民组,\n"
    "520327103202,新华社区,community,\n"
)


def test_a_good_file_imports_with_exact_counts(tree):
    audits = AuditLog.objects.count()
    parsed = regionio.read_bytes(csv_bytes(GOOD), "regions.csv")
    result = import_regions(rows=parsed.rows, actor=None)
    assert (result.created, result.updated, result.unchanged) == (4, 0, 1)
    assert Region.objects.count() == 11
    group = Region.objects.get(code="520327103201001")
    assert (group.name, group.kind, group.level, group.parent) == (
        "新建村一组",
        "group",
        "group",
        Region.objects.get(code="520327103201"),
    )
    assert (group.pinyin, group.initials) == ("xinjiancunyizu", "xjcyz")
    assert Region.objects.get(code="520327103").parent == tree.county
    assert AuditLog.objects.count() == audits + 1
    row = AuditLog.objects.get(action="region.import")
    assert (row.actor, row.region_code, row.changes) == (
        None,
        "520327103",
        {"created": 4, "updated": 0, "unchanged": 1, "updates": [], "points": []},
    )


def test_english_headers_and_kinds_and_extra_columns_are_accepted(tree):
    data = csv_bytes(
        "520327103,新建镇,town,town-level,520327,xjz\n",
        header="Code,name,KIND,level,parent_code,pinyin\n",
    )
    assert report(data) == []
    assert Region.objects.get(code="520327103").kind == "town"


def test_full_width_digits_in_codes_are_normalised(tree):
    assert report(csv_bytes("５２０３２７１０３,新建镇,镇,\n")) == []
    assert Region.objects.filter(code="520327103").exists()


BAD_ROWS = [
    (
        "52032710,某镇,镇,\n",
        [(2, "code", "区划代码“52032710”格式错误：须为6、9、12或15位数字，且下级段不能为000。")],
    ),
    (
        "520327000,某镇,镇,\n",
        [(2, "code", "区划代码“520327000”格式错误：须为6、9、12或15位数字，且下级段不能为000。")],
    ),
    (",某镇,镇,\n", [(2, "code", "区划代码不能为空。")]),
    ("520327103,新建镇,村,\n", [(2, "kind", "类型“村”与区划代码的层级（乡镇）不符。")]),
    ("520327103,新建镇,城堡,\n", [(2, "kind", "类型“城堡”无效。")]),
    ("520327103,新建镇,,\n", [(2, "kind", "类型不能为空。")]),
    ("520327103,,镇,\n", [(2, "name", "名称不能为空。")]),
    ("520327103," + "长" * 61 + ",镇,\n", [(2, "name", "名称不能超过60个字。")]),
    (
        "520327103,新建镇,镇,\n520327103,新建镇,镇,\n",
        [(3, "code", "区划代码与第2行重复。")],
    ),
    (
        "520327109201,孤村,村,\n",
        [(2, "code", "上级区域 520327109 既不在系统中，也不在文件中。")],
    ),
    (
        "520327103,新建镇,镇,520328\n",
        [(2, "parent_code", "上级代码应为“520327”（由区划代码决定），文件中为“520328”。")],
    ),
    ("520328,邻县,县,520327\n", [(2, "parent_code", "县级区域不应填写上级代码。")]),
    (
        "520327101,进化新镇,镇,\n",
        [
            (
                2,
                "name",
                "该区划代码已存在（名称“进化镇”，类型“镇”）；"
                "如需按文件修改，请选择“更新已有区域”。",
            )
        ],
    ),
    (
        "520327101,进化镇,乡,\n",
        [
            (
                2,
                "name",
                "该区划代码已存在（名称“进化镇”，类型“镇”）；"
                "如需按文件修改，请选择“更新已有区域”。",
            )
        ],
    ),
]


@pytest.mark.parametrize(("body", "expected"), BAD_ROWS)
def test_each_bad_row_is_reported_exactly_and_nothing_is_imported(tree, body, expected):
    regions, audits = Region.objects.count(), AuditLog.objects.count()
    data = csv_bytes(body + "520327102201,琊川村,村,520327102\n")  # and a good row
    assert report(data) == expected
    assert (Region.objects.count(), AuditLog.objects.count()) == (regions, audits)


def test_every_problem_is_reported_not_just_the_first(tree):
    data = csv_bytes(
        "5203271,坏码,镇,\n"
        "520327103,,乡镇,\n"
        "520327104,新镇,镇,\n"
        "520327104,新镇,镇,\n"
        "520327109201,孤村,村,\n"
    )
    assert report(data) == [
        (2, "code", "区划代码“5203271”格式错误：须为6、9、12或15位数字，且下级段不能为000。"),
        (3, "name", "名称不能为空。"),
        (3, "kind", "类型“乡镇”无效。"),
        (5, "code", "区划代码与第4行重复。"),
        (6, "code", "上级区域 520327109 既不在系统中，也不在文件中。"),
    ]
    assert Region.objects.count() == 7


FILE_PROBLEMS = [
    (b"", "regions.csv", "文件为空。"),
    (b"\n\n , ,\n", "regions.csv", "文件为空。"),
    (HEADER.encode(), "regions.csv", "文件只有表头，没有数据行。"),
    (b"520327103,x,town\n", "regions.xls", "不支持的文件类型，请上传 CSV 或 XLSX 文件。"),
    (b"520327103,x,town\n", "regions.txt", "不支持的文件类型，请上传 CSV 或 XLSX 文件。"),
    (HEADER.encode() + b"520327103,x,town\n", "regions.xlsx", "文件内容不是有效的 XLSX 工作簿。"),
    (b"PK\x03\x04 not really a zip", "regions.xlsx", "无法读取文件内容，请检查文件是否损坏。"),
    (b"PK\x03\x04 zip", "regions.csv", "文件内容不是 CSV 文本，请另存为 CSV 后再上传。"),
    (
        b"code,name,kind\n\xff\xfe\xff,x,town\n",
        "regions.csv",
        "无法识别文件编码，请另存为 UTF-8 或 GB18030 编码的 CSV。",
    ),
]


@pytest.mark.parametrize(("data", "filename", "message"), FILE_PROBLEMS)
def test_a_bad_file_is_reported_as_a_whole_and_nothing_is_imported(tree, data, filename, message):
    regions, audits = Region.objects.count(), AuditLog.objects.count()
    assert report(data, filename) == [(None, "", message)]
    assert (Region.objects.count(), AuditLog.objects.count()) == (regions, audits)


def test_missing_header_columns_are_each_reported(tree):
    data = b"code,title,parent_code\n520327103,x,520327\n"
    assert report(data) == [
        (1, "name", "缺少必需的列“name”或“名称”。"),
        (1, "kind", "缺少必需的列“kind”或“类型”。"),
    ]
    assert Region.objects.count() == 7


def test_a_header_column_given_twice_is_reported(tree):
    data = b"code,\xe5\x8c\xba\xe5\x88\x92\xe4\xbb\xa3\xe7\xa0\x81,name,kind\n520327103,x,y,town\n"
    assert report(data) == [(1, "code", "表头中该列出现了不止一次。")]


def test_too_many_rows_is_refused(tree, monkeypatch):
    monkeypatch.setattr(regionfile, "MAX_ROWS", 2)
    data = csv_bytes("520327103,甲镇,镇,\n520327104,乙镇,镇,\n520327105,丙镇,镇,\n")
    assert report(data) == [(None, "", "数据行数超过上限2行，请拆分后分批导入。")]
    assert Region.objects.count() == 7


def test_too_many_rows_given_to_the_action_directly_is_refused(tree, monkeypatch):
    monkeypatch.setattr(regionfile, "MAX_ROWS", 1)
    rows = [
        RegionRow(row=2, code="520327103", name="甲镇", kind="town"),
        RegionRow(row=3, code="520327104", name="乙镇", kind="town"),
    ]
    with pytest.raises(ImportRejected) as error:
        import_regions(rows=rows, actor=None)
    assert [str(p) for p in error.value.problems] == [
        "文件：数据行数超过上限1行，请拆分后分批导入。"
    ]
    assert error.value.fields == {"file": ["文件：数据行数超过上限1行，请拆分后分批导入。"]}


def test_a_file_too_large_is_refused_before_reading(tree, monkeypatch, tmp_path):
    monkeypatch.setattr(regionfile, "MAX_FILE_BYTES", 10)
    path = tmp_path / "regions.csv"
    path.write_bytes(csv_bytes("520327103,甲镇,镇,\n"))
    assert [(p.row, p.message) for p in regionio.read_path(path).problems] == [
        (None, "文件过大，上限为0MB。")
    ]
    assert report(path.read_bytes()) == [(None, "", "文件过大，上限为0MB。")]


def test_an_empty_row_list_is_refused_by_the_action(tree):
    with pytest.raises(ImportRejected) as error:
        import_regions(rows=[], actor=None)
    assert [p.message for p in error.value.problems] == ["文件只有表头，没有数据行。"]


def test_problem_text_names_the_row_and_column():
    problem = regionio.Problem(row=3, column="kind", message="类型不能为空。")
    assert str(problem) == "第3行（类型）：类型不能为空。"


# Updates -------------------------------------------------------------------------------------


def test_identical_existing_rows_are_skipped_and_counted_unchanged(tree):
    audits = AuditLog.objects.count()
    parsed = regionio.read_bytes(csv_bytes("520327,凤冈县,县,\n520327101,进化镇,镇,\n"), "a.csv")
    result = import_regions(rows=parsed.rows, actor=None)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert AuditLog.objects.count() == audits + 1
    assert AuditLog.objects.get(action="region.import").region_code == ""


def test_update_existing_renames_and_records_the_old_values(tree, county_admin):
    parsed = regionio.read_bytes(
        csv_bytes("520327101,进化新镇,乡,\n520327103,新建镇,镇,\n"), "regions.csv"
    )
    result = import_regions(rows=parsed.rows, update_existing=True, actor=county_admin)
    assert (result.created, result.updated, result.unchanged) == (1, 1, 0)
    township = Region.objects.get(code="520327101")
    assert (township.name, township.kind, township.pinyin, township.initials) == (
        "进化新镇",
        "township",
        "jinhuaxinzhen",
        "jhxz",
    )
    row = AuditLog.objects.get(action="region.import")
    assert (row.actor, row.region_code) == (county_admin, "520327")
    assert row.changes["updates"] == [["520327101", "进化镇", "进化新镇", "town", "township"]]


def test_dry_run_plan_reports_updates_without_writing(tree):
    parsed = regionio.read_bytes(
        csv_bytes("520327101,进化新镇,镇,\n520327103,新建镇,镇,\n"), "a.csv"
    )
    plan = regionio.plan_import(parsed.rows, update_existing=True, actor=None)
    assert plan.problems == []
    assert [(p.code, p.old_name, p.name) for p in plan.to_update] == [
        ("520327101", "进化镇", "进化新镇")
    ]
    assert [p.code for p in plan.to_create] == ["520327103"]
    assert Region.objects.get(code="520327101").name == "进化镇"


# Encodings and formats -----------------------------------------------------------------------


def test_a_gb18030_csv_from_excel_imports(tree):
    data = csv_bytes(GOOD, encoding="gb18030")
    assert data.decode("gb18030").startswith("区划代码")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert report(data) == []
    assert Region.objects.get(code="520327103202").name == "新华社区"


def test_a_utf8_csv_with_bom_imports(tree):
    assert report("\ufeff".encode() + csv_bytes(GOOD)) == []
    assert Region.objects.count() == 11


def test_an_xlsx_workbook_imports_including_codes_stored_as_numbers(tree):
    data = xlsx_bytes(
        [
            ["区划代码", "名称", "类型", "上级代码"],
            [520327103, "新建镇", "镇", 520327],
            [],
            ["520327103201", "新建村", "村", None],
            [520327103201001.0, "新建村一组", "group", ""],
        ]
    )
    parsed = regionio.read_bytes(data, "Regions.XLSX")
    assert [(r.row, r.code) for r in parsed.rows] == [
        (2, "520327103"),
        (4, "520327103201"),
        (5, "520327103201001"),
    ]
    result = import_regions(rows=parsed.rows, actor=None)
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)


def test_xlsx_row_numbers_in_the_report_match_the_sheet(tree):
    data = xlsx_bytes([["code", "name", "kind"], [], ["520327103", "", "town"]])
    assert report(data, "regions.xlsx") == [(3, "name", "名称不能为空。")]


# Round trip ----------------------------------------------------------------------------------


def _build_tree():
    for code, name, kind in [
        ("520327", "凤冈县", "county"),
        ("520327100", "龙泉街道", "subdistrict"),
        ("520327100001", "龙泉社区", "community"),
        ("520327100001001", "滨江小区", "neighbourhood"),
        ("520327101", "进化镇", "town"),
        ("520327101201", "临江村", "village"),
        ("520327101201001", "临江村一组", "group"),
        ("520327101201002", "临江村二组", "group"),
        ("520327205", "石径乡", "township"),
    ]:
        RegionFactory(code=code, name=name, kind=kind)


def _empty_the_tree():
    for level in ("group", "village", "township", "county"):
        Region.objects.filter(level=level).delete()
    assert Region.objects.count() == 0


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_into_an_empty_database_reproduces_the_tree(fmt):
    _build_tree()
    before = tree_state()
    out = io.BytesIO()
    writer = regionexport.write_xlsx if fmt == "xlsx" else regionexport.write_csv
    writer(regionexport.export_rows(), out)
    _empty_the_tree()
    parsed = regionio.read_bytes(out.getvalue(), f"regions.{fmt}")
    assert parsed.problems == []
    result = import_regions(rows=parsed.rows, actor=None)
    assert (result.created, result.updated, result.unchanged) == (9, 0, 0)
    assert tree_state() == before


def test_exported_csv_has_a_bom_and_the_documented_columns(tree):
    data = b"".join(regionexport.iter_csv(regionexport.export_rows("520327101201")))
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").splitlines() == [
        "code,name,kind,level,parent_code,pinyin,latitude,longitude",
        "520327101201,临江村,village,village,520327101,linjiangcun,,",
        "520327101201001,临江村一组,group,group,520327101201,linjiangcunyizu,,",
    ]


def test_exported_xlsx_lists_the_subtree():
    _build_tree()
    out = io.BytesIO()
    regionexport.write_xlsx(regionexport.export_rows("520327100"), out)
    sheet = load_workbook(io.BytesIO(out.getvalue()), read_only=True).worksheets[0]
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [
        ["code", "name", "kind", "level", "parent_code", "pinyin", "latitude", "longitude"],
        [
            "520327100",
            "龙泉街道",
            "subdistrict",
            "township",
            "520327",
            "longquanjiedao",
            None,
            None,
        ],
        [
            "520327100001",
            "龙泉社区",
            "community",
            "village",
            "520327100",
            "longquanshequ",
            None,
            None,
        ],
        [
            "520327100001001",
            "滨江小区",
            "neighbourhood",
            "group",
            "520327100001",
            "binjiangxiaoqu",
            None,
            None,
        ],
    ]


# Permissions ---------------------------------------------------------------------------------

NEW_TOWNSHIP = [RegionRow(row=2, code="520327103", name="新建镇", kind="town")]


def test_county_admin_may_import(tree, county_admin):
    result = import_regions(rows=NEW_TOWNSHIP, actor=county_admin)
    assert result.created == 1
    assert AuditLog.objects.get(action="region.import").actor == county_admin


@pytest.mark.parametrize(
    "persona",
    [
        "supervisor",
        "township_cadre",
        "village_cadre",
        "other_village_cadre",
        "convener",
        "resident",
        "anonymous",
    ],
    indirect=True,
)
def test_nobody_else_may_import_and_nothing_changes(tree, persona):
    regions, audits = Region.objects.count(), AuditLog.objects.count()
    with pytest.raises(NotAllowed):
        import_regions(rows=NEW_TOWNSHIP, actor=persona)
    with pytest.raises(NotAllowed):
        regionio.plan_import(NEW_TOWNSHIP, update_existing=False, actor=persona)
    assert (Region.objects.count(), AuditLog.objects.count()) == (regions, audits)


def test_an_admin_of_one_township_may_import_only_under_it(tree, county_admin):
    user = county_admin
    user.grants.all().delete()
    RoleGrantFactory(user=user, role="county_admin", region=tree.township_a)
    user.__dict__.pop("_sizhi_grants", None)
    rows = [
        RegionRow(row=2, code="520327101203", name="新村", kind="village"),
        RegionRow(row=3, code="520327102203", name="别村", kind="village"),
        RegionRow(row=4, code="520327103", name="新镇", kind="town"),
        RegionRow(row=5, code="520327101", name="进化镇", kind="town"),
    ]
    with pytest.raises(ImportRejected) as error:
        import_regions(rows=rows, actor=user)
    assert [(p.row, p.column, p.message) for p in error.value.problems] == [
        (3, "code", "您无权在区域 520327102 下导入或修改区域。"),
        (4, "code", "您无权在区域 520327 下导入或修改区域。"),
    ]
    assert Region.objects.count() == 7
    result = import_regions(rows=[rows[0], rows[3]], actor=user)
    assert (result.created, result.unchanged) == (1, 1)


# Commands ------------------------------------------------------------------------------------


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "regions.csv"
    path.write_bytes(csv_bytes(body))
    return path


def test_import_command_prints_the_counts(tree, tmp_path):
    out = io.StringIO()
    call_command("import_regions", str(_write(tmp_path, GOOD)), stdout=out)
    assert out.getvalue() == "导入完成：新增4个，更新0个，未变1个。\n"
    assert Region.objects.count() == 11


def test_import_command_dry_run_writes_nothing(tree, tmp_path):
    out = io.StringIO()
    call_command("import_regions", str(_write(tmp_path, GOOD)), "--dry-run", stdout=out)
    assert out.getvalue() == "校验通过（未写入）：将新增4个，更新0个，未变1个。\n"
    assert Region.objects.count() == 7
    assert not AuditLog.objects.filter(action="region.import").exists()


def test_import_command_update_flag_renames(tree, tmp_path):
    out = io.StringIO()
    call_command(
        "import_regions", str(_write(tmp_path, "520327101,进化新镇,镇,\n")), "--update", stdout=out
    )
    assert out.getvalue() == "导入完成：新增0个，更新1个，未变0个。\n"
    assert Region.objects.get(code="520327101").name == "进化新镇"


@pytest.mark.parametrize("dry_run", [[], ["--dry-run"]])
def test_import_command_prints_the_report_and_exits_1_on_errors(tree, tmp_path, dry_run):
    err = io.StringIO()
    path = _write(tmp_path, "520327103,,镇,\n520327101,进化新镇,镇,\n")
    with pytest.raises(CommandError) as error:
        call_command("import_regions", str(path), *dry_run, stderr=err)
    assert error.value.returncode == 1
    assert str(error.value) == "未导入任何数据：共2处错误。"
    assert err.getvalue().splitlines() == [
        "第2行（名称）：名称不能为空。",
        "第3行（名称）：该区划代码已存在（名称“进化镇”，类型“镇”）；"
        "如需按文件修改，请选择“更新已有区域”。",
    ]
    assert Region.objects.count() == 7


def test_import_command_reports_a_missing_file(tmp_path):
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_regions", str(tmp_path / "nope.csv"), stderr=err)
    assert err.getvalue() == f"文件：无法读取文件 {tmp_path / 'nope.csv'}。\n"


def test_export_command_writes_csv_to_stdout_and_xlsx_to_a_file(tree, tmp_path):
    out = io.StringIO()
    call_command("export_regions", "--root", "520327102", stdout=out)
    assert out.getvalue() == (
        "\ufeffcode,name,kind,level,parent_code,pinyin,latitude,longitude\r\n"
        "520327102,琊川镇,town,township,520327,yachuanzhen,,\r\n"
    )
    target = tmp_path / "tree.xlsx"
    call_command("export_regions", "-o", str(target), stdout=io.StringIO())
    parsed = regionio.read_path(target)
    assert [row.code for row in parsed.rows] == [code for code, *_ in tree_state()]


def test_export_command_refuses_an_unknown_root(tree):
    with pytest.raises(CommandError, match="区域 520399 不存在。"):
        call_command("export_regions", "--root", "520399")


# Speed ---------------------------------------------------------------------------------------


def big_file() -> bytes:
    lines = [HEADER, "520327,凤冈县,县,\n"]
    for t in range(1, 21):
        township = f"520327{t:03d}"
        lines.append(f"{township},第{t}镇,镇,520327\n")
        for v in range(1, 21):
            village = f"{township}{v:03d}"
            lines.append(f"{village},第{t}镇第{v}村,村,{township}\n")
            lines.extend(
                f"{village}{g:03d},第{v}村第{g}组,村民组,{village}\n" for g in range(1, 50)
            )
    return "".join(lines).encode()


def test_twenty_thousand_rows_import_in_a_bounded_number_of_queries(
    django_assert_max_num_queries,
):
    parsed = regionio.read_bytes(big_file(), "big.csv")
    assert len(parsed.rows) == 1 + 20 + 400 + 400 * 49 == 20021
    # Batched inserts: SQLite allows 999 parameters a statement, ~140 rows of 7 fields.
    with django_assert_max_num_queries(200):
        result = import_regions(rows=parsed.rows, actor=None)
    assert (result.created, result.updated, result.unchanged) == (20021, 0, 0)
    assert Region.objects.filter(level="group", parent__isnull=True).count() == 0


def test_report_rows_count_blank_lines_before_the_header(tree):
    data = b"\n,,\ncode,title,kind\n520327103,x,town\n"
    assert report(data) == [(3, "name", "缺少必需的列“name”或“名称”。")]
