"""Export of the person list to xlsx: masked, scoped, audited; large ones in the background."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from shanzhi.core.models import AuditLog
from shanzhi.registry import services
from shanzhi.registry.models import ExportJob

from .importing_helpers import make_id, phone


@pytest.fixture(autouse=True)
def _private_jobs_dir(settings, tmp_path):
    settings.SHANZHI_JOBS_DIR = tmp_path / "jobs"


@pytest.fixture
def residents(world):
    made = {}
    for seq, (grid, actor) in enumerate(
        [(world.grid_a, world.grid_worker_a)] * 3 + [(world.grid_b, world.grid_worker_b)] * 2
    ):
        data = services.person_input(
            name=f"居民{seq}", id_type="resident", id_number=make_id(seq), phone=phone(seq)
        )
        made[seq] = services.person_create(actor=actor, grid=grid, data=data)
    return made


def cells(content: bytes) -> list[list[object]]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [[c.value for c in row] for row in book["实有人口"].iter_rows()]


def downloaded(response) -> bytes:
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content)
    return response.content


def test_export_shows_masked_values_never_clear_ids_or_phones(client, world, residents):
    client.force_login(world.town_officer)
    response = client.get(reverse("registry:person_export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = cells(response.content)
    header = rows[0]
    assert header[header.index("证件号码（脱敏）")] and len(rows) == 6
    ids = {r[header.index("证件号码（脱敏）")] for r in rows[1:]}
    phones = {r[header.index("联系电话（脱敏）")] for r in rows[1:]}
    assert make_id(0)[:6] + "********" + make_id(0)[-4:] in ids
    assert "138****0000" in phones
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    everything = " ".join(
        str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row
    )
    for seq in range(5):
        assert make_id(seq) not in everything and phone(seq) not in everything
    assert "enc" not in everything and "dev1$" not in everything


def test_grid_worker_of_grid_a_cannot_reach_grid_b_residents_through_export(
    client, world, residents
):
    client.force_login(world.grid_worker_a)
    rows = cells(client.get(reverse("registry:person_export")).content)
    assert sorted(r[0] for r in rows[1:]) == ["居民0", "居民1", "居民2"]
    # Asking for grid B by id is refused (the filter only offers the user's grids).
    response = client.get(reverse("registry:person_export"), {"grid": world.grid_b.pk})
    assert response.status_code == 302
    # An exact search for a grid-B resident's ID finds nobody.
    response = client.get(reverse("registry:person_export"), {"q": make_id(3)})
    assert len(cells(response.content)) == 1


def test_export_is_audited_with_filters_and_count(client, world, residents):
    client.force_login(world.grid_worker_b)
    client.get(reverse("registry:person_export"), {"q": make_id(3)})
    audit = AuditLog.objects.get(action="registry.export")
    assert audit.actor == world.grid_worker_b and audit.detail["count"] == 1
    assert audit.detail["filters"]["id_number"] == make_id(3)[:6] + "********" + make_id(3)[-4:]


def test_people_without_export_capability_are_refused_and_nothing_is_logged(
    client, world, residents
):
    for persona in ("dispatcher", "mediator", "outsider", "auditor"):
        client.force_login(getattr(world, persona))
        assert client.get(reverse("registry:person_export")).status_code == 403
    assert not AuditLog.objects.filter(action="registry.export").exists()


def test_large_export_runs_in_the_background_for_its_requester_only(
    client, world, residents, settings, django_capture_on_commit_callbacks
):
    settings.SHANZHI_EXPORT_SYNC_ROWS = 2
    client.force_login(world.town_officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("registry:person_export"), {"category": "registered"})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "registry:export_detail", args=[job.pk]
    )
    assert (job.status, job.row_count, job.filters) == ("done", 5, {"category": "registered"})
    page = client.get(response.url).content.decode()
    assert 'data-action="download-export"' in page
    download = client.get(reverse("registry:export_download", args=[job.pk]))
    assert len(cells(downloaded(download))) == 6
    assert AuditLog.objects.get(action="registry.export").detail["count"] == 5
    client.force_login(world.grid_worker_a)
    assert client.get(reverse("registry:export_download", args=[job.pk])).status_code == 404
    assert client.get(reverse("registry:export_detail", args=[job.pk])).status_code == 404


def test_exact_id_export_is_never_stored_as_a_job(
    client, world, residents, settings, django_capture_on_commit_callbacks
):
    settings.SHANZHI_EXPORT_SYNC_ROWS = 0
    client.force_login(world.town_officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("registry:person_export"), {"q": make_id(1)})
    assert response.status_code == 200 and len(cells(response.content)) == 2
    assert ExportJob.objects.count() == 0


def test_old_export_files_are_deleted(
    client, world, residents, settings, django_capture_on_commit_callbacks
):
    import datetime

    from django.utils import timezone

    settings.SHANZHI_EXPORT_SYNC_ROWS = 2
    client.force_login(world.town_officer)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("registry:person_export"))
    job = ExportJob.objects.get()
    ExportJob.objects.filter(pk=job.pk).update(
        finished_at=timezone.now() - datetime.timedelta(hours=25)
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("registry:person_export"))
    job.refresh_from_db()
    assert job.file_path == ""
    assert client.get(reverse("registry:export_download", args=[job.pk])).status_code == 404
