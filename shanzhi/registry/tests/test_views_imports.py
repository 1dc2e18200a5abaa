"""Import pages: who may use them, the upload → dry run → commit flow, the progress partial."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shanzhi.registry.importing import jobs
from shanzhi.registry.models import ImportJob, Person

from .importing_helpers import GRID_A, GRID_E, PERSON_HEADER, person_rows

CSV = "text/csv"


@pytest.fixture(autouse=True)
def _private_jobs_dir(settings, tmp_path):
    settings.SHANZHI_JOBS_DIR = tmp_path / "jobs"


def csv_upload(rows, name="persons.csv"):
    lines = [",".join(PERSON_HEADER), *(",".join(r) for r in rows)]
    return SimpleUploadedFile(name, ("\n".join(lines) + "\n").encode(), content_type=CSV)


def upload(client, rows, capture, kind="persons", **extra):
    with capture(execute=True):
        return client.post(
            reverse("registry:import_index"),
            {"kind": kind, "file": csv_upload(rows), **extra},
        )


def test_town_officer_uploads_dry_runs_and_commits(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.town_officer)
    response = upload(client, person_rows(12), django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "registry:import_detail", args=[job.pk]
    )
    assert (job.status, job.rows_total, job.created, job.rows_error) == ("validated", 12, 12, 0)
    assert Person.objects.count() == 0  # the dry run writes nothing
    page = client.get(response.url).content.decode()
    assert 'data-action="commit"' in page and "校验通过" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registry:import_commit", args=[job.pk]))
    job.refresh_from_db()
    assert (job.status, job.created) == ("done", 12)
    assert Person.objects.count() == 12
    assert not job.file_path and not list(
        (jobs.jobs_dir() / "imports" / str(job.pk)).glob("upload*")
    )
    # A second commit of the same job is refused and changes nothing.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("registry:import_commit", args=[job.pk]))
    assert Person.objects.count() == 12


def test_dry_run_errors_offer_the_report_and_no_commit(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.town_officer)
    rows = person_rows(3) + person_rows(1, grid=GRID_E, start=3)
    upload(client, rows, django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert (job.status, job.rows_error) == ("invalid", 1)
    page = client.get(reverse("registry:import_detail", args=[job.pk])).content.decode()
    assert 'data-action="commit"' not in page and "不在您的管辖范围内" in page
    report = client.get(reverse("registry:import_errors", args=[job.pk]))
    assert report.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(report.streaming_content)))
    assert book["错误明细"]["A2"].value == 5
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registry:import_commit", args=[job.pk]))
    assert response.status_code == 302 and Person.objects.count() == 0
    job.refresh_from_db()
    assert job.status == "invalid" and not job.file_path  # the upload is deleted


def test_bad_file_fails_with_a_clear_message(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.town_officer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("registry:import_index"),
            {"kind": "persons", "file": SimpleUploadedFile("x.csv", b"\x00\x01garbage" * 100)},
        )
    job = ImportJob.objects.get()
    assert job.status == "failed" and "不是 CSV 文本或 Excel" in job.message
    page = client.get(reverse("registry:import_detail", args=[job.pk])).content.decode()
    assert "不是 CSV 文本或 Excel" in page


@pytest.mark.parametrize(
    "persona", ["grid_worker_a", "dispatcher", "outsider", "department_handler"]
)
def test_people_without_import_capability_are_refused_and_nothing_changes(
    client, world, persona, django_capture_on_commit_callbacks
):
    client.force_login(getattr(world, persona))
    assert client.get(reverse("registry:import_index")).status_code == 403
    assert client.get(reverse("registry:import_template", args=["persons"])).status_code == 403
    response = upload(client, person_rows(2), django_capture_on_commit_callbacks)
    assert response.status_code == 403
    assert ImportJob.objects.count() == 0 and Person.objects.count() == 0


def test_anonymous_user_is_sent_to_login(client, world):
    response = client.get(reverse("registry:import_index"))
    assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_someone_elses_job_is_not_found(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.town_officer)
    upload(client, person_rows(2), django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    client.force_login(world.city_admin)
    for name in ("registry:import_detail", "registry:import_errors"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("registry:import_commit", args=[job.pk])).status_code == 404
    job.refresh_from_db()
    assert job.status == "validated" and Person.objects.count() == 0


def test_area_outside_scope_is_refused_by_the_form(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.town_officer)
    response = upload(client, person_rows(1), django_capture_on_commit_callbacks, area="370402")
    assert response.status_code == 200 and "不在您的管辖范围内" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_progress_partial_polls_while_running(client, world):
    job = ImportJob.objects.create(
        kind="persons", created_by=world.town_officer, original_name="p.csv", status="validating"
    )
    jobs._private_dir(jobs.job_dir(job))
    jobs.progress_write(job, fraction=0.42, rows=4200)
    client.force_login(world.town_officer)
    partial = client.get(reverse("registry:import_detail", args=[job.pk]), HTTP_HX_REQUEST="true")
    html = partial.content.decode()
    assert (
        'hx-trigger="every 1s"' in html
        and 'value="42"' in html
        and ("4,200" in html or "4200" in html)
    )
    assert "<html" not in html
    ImportJob.objects.filter(pk=job.pk).update(status="validated", rows_total=10, created=10)
    html = client.get(reverse("registry:import_detail", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert "every 1s" not in html.content.decode()


def test_template_download_lists_the_users_grids(client, world):
    client.force_login(world.town_officer)
    response = client.get(reverse("registry:import_template", args=["persons"]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    codes = {r[0].value for r in book["网格"].iter_rows(min_row=2)}
    assert GRID_A in codes and GRID_E not in codes
    assert client.get(reverse("registry:import_template", args=["nope"])).status_code == 404


def test_pages_have_no_inline_script_or_style(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.town_officer)
    upload(client, person_rows(1), django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    for url in (reverse("registry:import_index"), reverse("registry:import_detail", args=[job.pk])):
        html = client.get(url).content.decode()
        assert "style=" not in html
        assert html.count("<script") == html.count("<script src=")


def test_uncommitted_upload_expires_and_is_deleted(
    client, world, django_capture_on_commit_callbacks
):
    import datetime

    from django.utils import timezone

    client.force_login(world.town_officer)
    upload(client, person_rows(2), django_capture_on_commit_callbacks)
    old = ImportJob.objects.get()
    assert old.status == "validated" and (jobs.jobs_dir() / old.file_path).exists()
    stored = jobs.jobs_dir() / old.file_path
    ImportJob.objects.filter(pk=old.pk).update(
        finished_at=timezone.now() - datetime.timedelta(hours=25)
    )
    upload(client, person_rows(1), django_capture_on_commit_callbacks)
    old.refresh_from_db()
    assert old.status == "failed" and "过期" in old.message and not stored.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("registry:import_commit", args=[old.pk]))
    assert Person.objects.count() == 0
