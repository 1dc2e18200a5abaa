"""Excel/CSV import and export pages (批量导入、导出).

Import: template download per kind → upload (kind, file, optional area) → the job page, which
polls its status partial every second (htmx) while the dry run or the commit runs in the
background, then shows the counts, the first errors, the error report and — only after a
dry run without errors — the commit button. Export: the person list's filters → an xlsx at
once, or a background job with a download link for large exports.
"""

from __future__ import annotations

import io
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import exporting
from ..forms import PersonFilterForm
from ..importing import jobs
from ..importing.forms import ImportUploadForm
from ..importing.specs import SPECS
from ..importing.templates import basic_grids_for, build_template, template_filename
from ..models import ImportJob
from . import require

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _partial(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


@login_required
@require_http_methods(["GET", "POST"])
def import_index(request: HttpRequest) -> HttpResponse:
    require(request, "registry.import")
    form = ImportUploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = jobs.import_job_create(
                actor=request.user, kind=data["kind"], upload=data["file"], area=data["area"]
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("file", message)
        else:
            return redirect("registry:import_detail", pk=job.pk)
    context = {
        "form": form,
        "kinds": SPECS.values(),
        "jobs": jobs.import_job_list(user=request.user)[:20],
        "exports": exporting.export_job_list(user=request.user)[:10],
    }
    return render(request, "registry/imports/index.html", context)


@login_required
@require_GET
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    require(request, "registry.import")
    if kind not in SPECS:
        raise Http404("未知的数据类别。")
    content = build_template(kind, grids=basic_grids_for(request.user))
    return _xlsx_response(content, template_filename(kind))


@login_required
@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "registry.import")
    job = jobs.import_job_get(user=request.user, pk=pk)
    context = {
        "job": job,
        "spec": SPECS[job.kind],
        "running": job.status in jobs.RUNNING,
        "progress": jobs.progress_read(job),
        "errors": jobs.preview_errors(job) if job.rows_error else [],
        "can_commit": job.status == ImportJob.Status.VALIDATED and not job.rows_error,
    }
    template = (
        "registry/imports/_job_status.html" if _partial(request) else "registry/imports/detail.html"
    )
    return render(request, template, context)


@login_required
@require_POST
def import_commit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "registry.import")
    job = jobs.import_job_get(user=request.user, pk=pk)
    try:
        jobs.import_job_commit_request(actor=request.user, job=job)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("registry:import_detail", pk=job.pk)


@login_required
@require_GET
def import_errors(request: HttpRequest, pk: int) -> FileResponse:
    require(request, "registry.import")
    job = jobs.import_job_get(user=request.user, pk=pk)
    path = jobs.report_path(job)
    if path is None:
        raise Http404("没有错误报告。")
    name = f"{Path(job.original_name).stem}.errors.xlsx"
    return FileResponse(path.open("rb"), as_attachment=True, filename=name, content_type=XLSX)


@login_required
@require_GET
def person_export(request: HttpRequest) -> HttpResponse:
    """The person list as filtered (same query string) → xlsx, or a background job."""
    require(request, "registry.export")
    form = PersonFilterForm(request.GET, user=request.user)
    if not form.is_valid():
        messages.error(request, "筛选条件有误，未导出。")
        return redirect("registry:person_list")
    filters = form.filters()
    if exporting.export_runs_in_background(user=request.user, filters=filters):
        job = exporting.export_job_create(actor=request.user, filters=filters)
        return redirect("registry:export_detail", pk=job.pk)
    buffer = io.BytesIO()
    exporting.write_person_export(user=request.user, filters=filters, out=buffer)
    return _xlsx_response(buffer.getvalue(), exporting.export_filename())


@login_required
@require_GET
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "registry.export")
    job = exporting.export_job_get(user=request.user, pk=pk)
    context = {"job": job, "running": job.status in ("queued", "running")}
    template = (
        "registry/imports/_export_status.html"
        if _partial(request)
        else "registry/imports/export_detail.html"
    )
    return render(request, template, context)


@login_required
@require_GET
def export_download(request: HttpRequest, pk: int) -> FileResponse:
    require(request, "registry.export")
    job = exporting.export_job_get(user=request.user, pk=pk)
    path = exporting.export_path(job)
    if path is None:
        raise Http404("导出文件尚未生成或已过期。")
    name = exporting.export_filename(job.finished_at)
    return FileResponse(path.open("rb"), as_attachment=True, filename=name, content_type=XLSX)
