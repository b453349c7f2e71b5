import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from sizhi.core.models import AuditLog
from sizhi.orgs import regionfile, regionio
from sizhi.orgs.models import Region

pytestmark = [pytest.mark.django_db, pytest.mark.urls("sizhi.orgs.tests.urls_for_tests")]

HEADER = "区划代码,名称,类型,上级代码\n"
GOOD = "520327103,新建镇,镇,520327\n520327103201,新建村,村,\n520327101,进化镇,镇,\n"
OTHERS = [
    "supervisor",
    "township_cadre",
    "village_cadre",
    "other_village_cadre",
    "convener",
    "resident",
    "anonymous",
]


def upload(body: str, name: str = "regions.csv", encoding: str = "utf-8"):
    return SimpleUploadedFile(name, (HEADER + body).encode(encoding), content_type="text/csv")


def login(client, user):
    if user.is_authenticated:
        client.force_login(user)
    return client


def test_urls_are_under_regions():
    assert reverse("orgs:region-import") == "/regions/import/"
    assert reverse("orgs:region-export", kwargs={"fmt": "csv"}) == "/regions/export.csv"
    assert reverse("orgs:region-export", args=["xlsx"]) == "/regions/export.xlsx"


def test_county_admin_sees_the_upload_form_and_export_links(client, county_admin):
    response = login(client, county_admin).get("/regions/import/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert 'name="update_existing"' in html
    assert 'value="validate"' in html
    assert 'href="/regions/export.csv"' in html
    assert 'href="/regions/export.xlsx"' in html


def test_county_admin_imports_a_file_and_sees_the_counts(client, county_admin):
    response = login(client, county_admin).post(
        "/regions/import/", {"file": upload(GOOD), "mode": "import"}
    )
    assert response.status_code == 200
    assert response.context["result"] == regionio.ImportResult(created=2, updated=0, unchanged=1)
    assert "导入完成：新增2个，更新0个，未变1个。" in response.content.decode()
    assert Region.objects.filter(code="520327103201", parent__code="520327103").exists()
    assert AuditLog.objects.get(action="region.import").actor == county_admin


def test_validate_only_writes_nothing_and_shows_what_would_happen(client, county_admin):
    audits = AuditLog.objects.count()
    response = login(client, county_admin).post(
        "/regions/import/",
        {
            "file": upload(GOOD + "520327102,琊川新镇,镇,\n"),
            "mode": "validate",
            "update_existing": "on",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "校验通过（未写入）：将新增2个，更新1个，未变1个。" in html
    assert "琊川新镇" in html
    assert (Region.objects.count(), AuditLog.objects.count()) == (7, audits)


def test_update_checkbox_renames_existing_regions(client, county_admin):
    response = login(client, county_admin).post(
        "/regions/import/", {"file": upload("520327102,琊川新镇,镇,\n"), "update_existing": "on"}
    )
    assert response.status_code == 200
    assert response.context["result"] == regionio.ImportResult(created=0, updated=1, unchanged=0)
    assert Region.objects.get(code="520327102").name == "琊川新镇"


@pytest.mark.parametrize("mode", ["import", "validate"])
def test_errors_are_shown_as_a_full_report_and_nothing_changes(client, county_admin, mode):
    audits = AuditLog.objects.count()
    body = "520327103,,镇,\n520327104,新镇,村,\n520327102,琊川新镇,镇,\n"
    response = login(client, county_admin).post(
        "/regions/import/", {"file": upload(body, encoding="gb18030"), "mode": mode}
    )
    assert response.status_code == 400
    assert [(p.row, p.column, p.message) for p in response.context["problems"]] == [
        (2, "name", "名称不能为空。"),
        (3, "kind", "类型“村”与区划代码的层级（乡镇）不符。"),
        (
            4,
            "name",
            "该区划代码已存在（名称“琊川镇”，类型“镇”）；如需按文件修改，请选择“更新已有区域”。",
        ),
    ]
    html = response.content.decode()
    assert "发现3处错误，未导入任何数据" in html
    assert "类型“村”与区划代码的层级（乡镇）不符。" in html
    assert (Region.objects.count(), AuditLog.objects.count()) == (7, audits)


def test_a_long_report_is_cut_for_the_page_but_counted_in_full(client, county_admin, monkeypatch):
    from sizhi.orgs import views

    monkeypatch.setattr(views, "MAX_SHOWN_PROBLEMS", 2)
    body = "".join(f"52032710{n},,镇,\n" for n in range(3, 8))
    response = login(client, county_admin).post("/regions/import/", {"file": upload(body)})
    assert response.status_code == 400
    assert (len(response.context["problems"]), response.context["problem_count"]) == (2, 5)
    assert "仅列出前2处" in response.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "请选择要导入的文件。"),
        (
            {"file": SimpleUploadedFile("regions.xls", b"x")},
            "不支持的文件类型，请上传 CSV 或 XLSX 文件。",
        ),
        ({"file": SimpleUploadedFile("regions.csv", b"")}, "文件为空。"),
    ],
)
def test_a_bad_upload_gives_a_clear_form_error(client, county_admin, data, message):
    response = login(client, county_admin).post("/regions/import/", data)
    assert response.status_code == 400
    assert response.context["form"].errors == {"file": [message]}
    assert message in response.content.decode()
    assert Region.objects.count() == 7


def test_a_file_too_large_gives_a_form_error(client, county_admin, monkeypatch):
    monkeypatch.setattr(regionfile, "MAX_FILE_BYTES", 1024 * 1024)
    big = SimpleUploadedFile("regions.csv", b"x" * (1024 * 1024 + 1))
    response = login(client, county_admin).post("/regions/import/", {"file": big})
    assert response.status_code == 400
    assert response.context["form"].errors == {"file": ["文件过大，上限为1MB。"]}


def test_a_file_level_problem_is_shown_in_the_report(client, county_admin):
    response = login(client, county_admin).post(
        "/regions/import/", {"file": SimpleUploadedFile("regions.xlsx", b"not a workbook")}
    )
    assert response.status_code == 400
    assert [(p.row, p.message) for p in response.context["problems"]] == [
        (None, "文件内容不是有效的 XLSX 工作簿。")
    ]
    assert "整个文件" in response.content.decode()


@pytest.mark.parametrize("persona", OTHERS, indirect=True)
def test_everyone_else_gets_404_and_nothing_changes(client, persona):
    audits = AuditLog.objects.count()
    login(client, persona)
    assert client.get("/regions/import/").status_code == 404
    assert client.post("/regions/import/", {"file": upload(GOOD)}).status_code == 404
    assert client.get("/regions/export.csv").status_code == 404
    assert client.get("/regions/export.xlsx").status_code == 404
    assert (Region.objects.count(), AuditLog.objects.count()) == (7, audits)


def test_export_csv_streams_the_subtree_with_a_bom(client, county_admin):
    response = login(client, county_admin).get("/regions/export.csv", {"root": "520327102"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="regions-520327102.csv"'
    body = b"".join(response.streaming_content)
    assert (
        body
        == (
            "\ufeffcode,name,kind,level,parent_code,pinyin,latitude,longitude\r\n"
            "520327102,琊川镇,town,township,520327,yachuanzhen,,\r\n"
        ).encode()
    )


def test_export_xlsx_holds_the_whole_tree(client, county_admin):
    response = login(client, county_admin).get("/regions/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="regions-all.xlsx"'
    data = b"".join(response.streaming_content)
    rows = list(load_workbook(io.BytesIO(data), read_only=True).worksheets[0].values)
    assert [row[0] for row in rows] == ["code", *Region.objects.values_list("code", flat=True)]


def test_export_of_an_unknown_root_is_404(client, county_admin):
    response = login(client, county_admin).get("/regions/export.csv", {"root": "520399"})
    assert response.status_code == 404


def test_export_then_import_through_the_pages_changes_nothing(client, county_admin):
    login(client, county_admin)
    data = b"".join(client.get("/regions/export.xlsx").streaming_content)
    response = client.post(
        "/regions/import/", {"file": SimpleUploadedFile("regions-all.xlsx", data)}
    )
    assert response.status_code == 200
    assert response.context["result"] == regionio.ImportResult(created=0, updated=0, unchanged=7)
