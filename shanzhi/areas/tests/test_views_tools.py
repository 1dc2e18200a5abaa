"""The batch locate page and the boundary upload page: allowed and forbidden personas."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from shanzhi.areas import coords
from shanzhi.areas.models import Area
from shanzhi.core.models import AuditLog
from shanzhi.testing.personas import box

pytestmark = pytest.mark.django_db

LOCATE = "areas:locate"
IMPORT = "areas:import_boundaries"
NEW_VILLAGE = "370403001003"


def village_file(geometry=None, parent="370403001") -> SimpleUploadedFile:
    data = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "code": NEW_VILLAGE,
                    "name": "北庄",
                    "level": "village",
                    "parent": parent,
                },
                "geometry": geometry or box(117.1, 34.7, 117.2, 34.8),
            }
        ],
    }
    return SimpleUploadedFile(
        "villages.geojson", json.dumps(data).encode(), content_type="application/geo+json"
    )


# --- batch locate ---------------------------------------------------------------------------------


def test_grid_worker_sees_the_empty_locate_form(client, world):
    client.force_login(world.grid_worker_a)
    response = client.get(reverse(LOCATE))
    assert response.status_code == 200
    assert 'name="points"' in response.text and 'name="crs"' in response.text


def test_grid_worker_locates_pasted_points_to_grids(client, world):
    client.force_login(world.grid_worker_a)
    response = client.post(
        reverse(LOCATE), {"points": "117.12,34.65\n117.155,34.65\n117.45,34.65", "crs": "wgs84"}
    )
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r["result"].grid.code if r["result"].grid else None for r in rows] == [
        world.grid_a.code,
        world.grid_b.code,
        None,
    ]
    assert response.context["inside_count"] == 2
    assert "东村第一网格" in response.text
    assert "东村小学专属网格" in response.text
    assert "该位置不在本系统管辖范围内（不在任何网格内）" in response.text


def test_uploaded_csv_in_gcj02_is_converted_before_locating(client, world):
    lon, lat = coords.from_wgs84(117.298, 34.65, "gcj02")  # grid C in WGS-84
    upload = SimpleUploadedFile("points.csv", f"经度,纬度\n{lon},{lat}\n".encode())
    client.force_login(world.dispatcher)
    response = client.post(reverse(LOCATE), {"csv_file": upload, "crs": "gcj02"})
    assert response.status_code == 200
    assert [r["result"].grid.code for r in response.context["rows"]] == [world.grid_c.code]


def test_unreadable_lines_are_reported_by_line_number(client, world):
    client.force_login(world.grid_worker_a)
    response = client.post(reverse(LOCATE), {"points": "117.12,34.65\n117.2", "crs": "wgs84"})
    assert response.status_code == 200
    assert "rows" not in response.context
    assert "第 2 行：应为“经度,纬度”" in response.text


def test_empty_locate_submission_asks_for_points(client, world):
    client.force_login(world.grid_worker_a)
    response = client.post(reverse(LOCATE), {"points": "", "crs": "wgs84"})
    assert "请输入或上传至少一个坐标。" in response.text


def test_unknown_crs_is_refused_by_the_locate_form(client, world):
    client.force_login(world.grid_worker_a)
    response = client.post(reverse(LOCATE), {"points": "117.12,34.65", "crs": "mercator"})
    assert response.status_code == 200
    assert "rows" not in response.context
    assert response.context["form"].errors["crs"]


@pytest.mark.parametrize("persona", ["department_handler", "citizen", "outsider", "auditor"])
def test_personas_without_areas_view_cannot_use_locate(client, world, persona):
    client.force_login(getattr(world, persona))
    assert client.get(reverse(LOCATE)).status_code == 403
    assert client.post(reverse(LOCATE), {"points": "117.12,34.65"}).status_code == 403


def test_anonymous_visitor_is_sent_to_login_from_locate(client, world):
    response = client.get(reverse(LOCATE))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


# --- boundary upload ---------------------------------------------------------------------------


def test_city_admin_sees_the_upload_form_with_dry_run_ticked(client, world):
    client.force_login(world.city_admin)
    response = client.get(reverse(IMPORT))
    assert response.status_code == 200
    assert 'name="dry_run"' in response.text and "checked" in response.text


def test_city_admin_imports_a_boundary_file(client, world):
    before = Area.objects.count()
    client.force_login(world.city_admin)
    response = client.post(reverse(IMPORT), {"file": village_file(), "crs": "wgs84"})
    assert response.status_code == 200
    report = response.context["report"]
    assert report.ok and report.written
    assert "已导入：共 1 个要素，新建 1 个" in response.text
    assert Area.objects.count() == before + 1
    assert AuditLog.objects.filter(
        action="areas.import_boundaries", actor=world.city_admin
    ).exists()


def test_dry_run_upload_shows_the_report_and_writes_nothing(client, world):
    before = Area.objects.count()
    client.force_login(world.city_admin)
    response = client.post(
        reverse(IMPORT), {"file": village_file(), "crs": "wgs84", "dry_run": "on"}
    )
    assert "试运行（未写入）：共 1 个要素，新建 1 个" in response.text
    assert Area.objects.count() == before


def test_upload_with_errors_lists_them_and_writes_nothing(client, world):
    before = Area.objects.count()
    client.force_login(world.city_admin)
    response = client.post(
        reverse(IMPORT), {"file": village_file(parent="370403009"), "crs": "wgs84"}
    )
    assert response.status_code == 200
    assert "发现 1 个问题，未写入任何数据。" in response.text
    assert "上级编码 370403009 不存在" in response.text
    assert Area.objects.count() == before
    assert not AuditLog.objects.filter(action="areas.import_boundaries").exists()


@override_settings(SHANZHI_GEOJSON_MAX_BYTES=100)
def test_upload_larger_than_the_limit_is_refused(client, world):
    before = Area.objects.count()
    client.force_login(world.city_admin)
    response = client.post(reverse(IMPORT), {"file": village_file(), "crs": "wgs84"})
    assert response.status_code == 200
    assert "文件过大" in response.text
    assert "report" not in response.context
    assert Area.objects.count() == before


@pytest.mark.parametrize("persona", ["dispatcher", "grid_worker_a", "auditor", "outsider"])
def test_personas_without_areas_manage_cannot_import_and_nothing_changes(client, world, persona):
    before = Area.objects.count()
    audits = AuditLog.objects.count()
    client.force_login(getattr(world, persona))
    assert client.get(reverse(IMPORT)).status_code == 403
    response = client.post(reverse(IMPORT), {"file": village_file(), "crs": "wgs84"})
    assert response.status_code == 403
    assert Area.objects.count() == before
    assert AuditLog.objects.count() == audits
