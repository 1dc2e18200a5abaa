"""Import jobs (导入任务): upload → dry run in the background → commit on request.

The state table below is the one place that says which move is allowed; every move is a
conditional UPDATE on the current state, so a double click or two workers cannot run the same
step twice. Uploaded files hold clear personal data: they live under ``SHANZHI_JOBS_DIR``
(private, never web-served, mode 0600) and are deleted as soon as the job can no longer be
committed (done, invalid or failed).

Progress is written to a small JSON file beside the upload rather than to the database: the
commit runs inside one long transaction whose writes no other connection can see.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import shutil
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from shanzhi.accounts.scope import scope_for
from shanzhi.areas.models import Area

from ..models import ImportJob, ImportKind
from .engine import ImportResult, run_import
from .readers import ImportFileError, Limits, megabytes
from .report import write_error_report

logger = logging.getLogger(__name__)

Status = ImportJob.Status

# from-state → the states it may move to. The worker moves QUEUED→VALIDATING→(VALIDATED |
# INVALID | FAILED) and COMMITTING→(DONE | INVALID | FAILED); the uploader moves
# VALIDATED→COMMITTING (the "commit" button, shown only after a dry run without errors);
# a validated job not committed within KEEP_VALIDATED expires (→ FAILED, upload deleted).
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.QUEUED: frozenset({Status.VALIDATING, Status.FAILED}),
    Status.VALIDATING: frozenset({Status.VALIDATED, Status.INVALID, Status.FAILED}),
    Status.VALIDATED: frozenset({Status.COMMITTING, Status.FAILED}),  # FAILED: expired
    Status.COMMITTING: frozenset({Status.DONE, Status.INVALID, Status.FAILED}),
    Status.INVALID: frozenset(),
    Status.FAILED: frozenset(),
    Status.DONE: frozenset(),
}
RUNNING = frozenset({Status.QUEUED, Status.VALIDATING, Status.COMMITTING})
KEEP_VALIDATED = datetime.timedelta(hours=24)
MAX_PREVIEW_ERRORS = 20


class StateError(Exception):
    pass


def jobs_dir() -> Path:
    return Path(settings.SHANZHI_JOBS_DIR)


def job_dir(job: ImportJob) -> Path:
    return jobs_dir() / "imports" / str(job.pk)


def _private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _move(job: ImportJob, to: str, **fields: Any) -> None:
    """Move ``job`` to ``to`` if that is allowed from its current state and nobody moved it
    first (conditional UPDATE); raises StateError otherwise."""
    if to not in TRANSITIONS[job.status]:
        raise StateError(f"import job {job.pk}: {job.status} → {to} is not allowed")
    moved = ImportJob.objects.filter(pk=job.pk, status=job.status).update(status=to, **fields)
    if not moved:
        raise StateError(f"import job {job.pk} was moved by someone else")
    job.status = to
    for name, value in fields.items():
        setattr(job, name, value)


# --- progress ---------------------------------------------------------------------------------


def _progress_path(job: ImportJob) -> Path:
    return job_dir(job) / "progress.json"


def progress_write(job: ImportJob, *, fraction: float, rows: int) -> None:
    path = _progress_path(job)
    if not path.parent.exists():
        return
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"percent": int(fraction * 100), "rows": rows}))
    os.replace(tmp, path)


def progress_read(job: ImportJob) -> dict[str, int]:
    """{"percent": 0–100, "rows": rows read so far} of a running job."""
    if job.status not in RUNNING:
        return {"percent": 100 if job.status == Status.DONE else job.progress, "rows": 0}
    try:
        data = json.loads(_progress_path(job).read_text())
        return {"percent": int(data["percent"]), "rows": int(data["rows"])}
    except (OSError, ValueError, KeyError, TypeError):
        return {"percent": 0, "rows": 0}


# --- reads --------------------------------------------------------------------------------------


def import_job_list(*, user: Any) -> QuerySet[ImportJob]:
    """The user's own import jobs (an upload holds personal data: nobody else's are listed)."""
    if user is None or not user.is_authenticated or not scope_for(user).can("registry.import"):
        return ImportJob.objects.none()
    return ImportJob.objects.filter(created_by=user).select_related("area")


def import_job_get(*, user: Any, pk: Any) -> ImportJob:
    try:
        return import_job_list(user=user).get(pk=pk)
    except (ImportJob.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("导入任务不存在。") from exc


def report_path(job: ImportJob) -> Path | None:
    if not job.report_path:
        return None
    path = jobs_dir() / job.report_path
    return path if path.exists() else None


def preview_errors(job: ImportJob) -> list[dict[str, Any]]:
    """The first errors of a job, read back from its report, for the job page."""
    path = report_path(job)
    if path is None:
        return []
    from python_calamine import CalamineWorkbook

    with CalamineWorkbook.from_path(str(path)) as book:
        rows = book.get_sheet_by_name("错误明细").to_python(nrows=MAX_PREVIEW_ERRORS + 1)
    return [
        {"row": int(r[0]), "column": r[1], "value": r[2], "message": r[3]}
        for r in rows[1:]
        if len(r) >= 4
    ]


# --- writes -------------------------------------------------------------------------------------


def _check_area(actor: Any, area: Area | None) -> None:
    if area is not None and not scope_for(actor).contains_path(area.path):
        raise PermissionDenied("限定区域不在您的管辖范围内。")


def import_jobs_expire() -> int:
    """Validated jobs nobody committed in time: expire them and delete their uploads."""
    expired = 0
    cutoff = timezone.now() - KEEP_VALIDATED
    for job in ImportJob.objects.filter(status=Status.VALIDATED, finished_at__lt=cutoff):
        try:
            _move(
                job, Status.FAILED, message="校验通过后超过 24 小时未确认导入，已过期，请重新上传。"
            )
        except StateError:
            continue
        _discard_upload(job)
        expired += 1
    return expired


@transaction.atomic
def import_job_create(*, actor: Any, kind: str, upload: Any, area: Area | None = None) -> ImportJob:
    """Store an upload privately and queue its dry run."""
    scope = scope_for(actor)
    if not scope.can("registry.import"):
        raise PermissionDenied("您没有导入基础数据的权限。")
    if kind not in ImportKind.values:
        raise ValidationError({"kind": ["未知的数据类别。"]})
    _check_area(actor, area)
    import_jobs_expire()
    limit = Limits.from_settings().max_bytes
    if upload.size > limit:
        raise ValidationError(
            {"file": [f"文件过大（{megabytes(upload.size)}），上限为 {megabytes(limit)}。"]}
        )
    name = Path(upload.name or "upload").name[:200]
    job = ImportJob.objects.create(
        kind=kind, created_by=actor, area=area, original_name=name, file_size=upload.size
    )
    folder = _private_dir(job_dir(job))
    suffix = Path(name).suffix.lower()
    target = folder / ("upload" + (suffix if suffix in (".xlsx", ".csv", ".txt") else ""))
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    job.file_path = str(target.relative_to(jobs_dir()))
    job.save(update_fields=["file_path"])
    progress_write(job, fraction=0, rows=0)
    _enqueue("import_validate_task", job.pk)
    return job


@transaction.atomic
def import_job_commit_request(*, actor: Any, job: ImportJob) -> ImportJob:
    """The uploader asks to write a dry-run-clean job; the commit runs in the background."""
    if job.created_by_id != getattr(actor, "pk", None) or not scope_for(actor).can(
        "registry.import"
    ):
        raise PermissionDenied("只有上传人可以确认导入。")
    locked = ImportJob.objects.select_for_update().get(pk=job.pk)
    if locked.status != Status.VALIDATED or locked.rows_error:
        raise ValidationError("只有校验通过、没有错误的任务可以确认导入。")
    _move(locked, Status.COMMITTING, progress=0)
    progress_write(locked, fraction=0, rows=0)
    _enqueue("import_commit_task", locked.pk)
    return locked


def _enqueue(task_name: str, job_id: int) -> None:
    from .. import tasks

    task = getattr(tasks, task_name)
    transaction.on_commit(lambda: task.enqueue(job_id))


def _source(job: ImportJob) -> Path:
    return jobs_dir() / job.file_path


def _finish(job: ImportJob, result: ImportResult | None, *, status: str, message: str = "") -> None:
    fields: dict[str, Any] = {"message": message[:2000], "finished_at": timezone.now()}
    if result is not None:
        fields.update(
            rows_total=result.rows_total,
            rows_valid=result.rows_valid,
            rows_error=result.rows_error,
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
        )
        if result.errors:
            report = job_dir(job) / "errors.xlsx"
            write_error_report(result, report, source_name=job.original_name)
            fields["report_path"] = str(report.relative_to(jobs_dir()))
    fields["progress"] = 100 if status in (Status.VALIDATED, Status.DONE) else job.progress
    _move(job, status, **fields)
    if status != Status.VALIDATED:
        _discard_upload(job)


def _discard_upload(job: ImportJob) -> None:
    """Delete the upload (clear personal data) once the job can no longer be committed."""
    if job.file_path:
        _source(job).unlink(missing_ok=True)
        ImportJob.objects.filter(pk=job.pk).update(file_path="")
        job.file_path = ""
    _progress_path(job).unlink(missing_ok=True)


def _run(job: ImportJob, *, commit: bool) -> None:
    area = job.area
    try:
        result = run_import(
            kind=job.kind,
            path=_source(job),
            actor=job.created_by,
            area=area,
            commit=commit,
            progress=lambda fraction, rows: progress_write(job, fraction=fraction, rows=rows),
            source_name=job.original_name,
        )
    except (ImportFileError, PermissionDenied) as exc:
        message = exc.message if isinstance(exc, ImportFileError) else str(exc)
        _finish(job, None, status=Status.FAILED, message=message)
        return
    except Exception:
        logger.exception("import job %s crashed", job.pk)
        _finish(job, None, status=Status.FAILED, message="导入过程中出现系统错误，未写入任何数据。")
        raise
    if not result.ok:
        message = f"{result.rows_error:,} 行有错误，未写入任何数据。"
        _finish(job, result, status=Status.INVALID, message=message)
    elif commit:
        message = (
            f"已导入：新增 {result.created:,}，更新 {result.updated:,}，未变 {result.unchanged:,}。"
        )
        _finish(job, result, status=Status.DONE, message=message)
    else:
        message = "校验通过，可以确认导入。"
        _finish(job, result, status=Status.VALIDATED, message=message)


def import_job_validate(*, job_id: int) -> None:
    """The dry run (a task): validate every row, write the error report, write nothing."""
    job = ImportJob.objects.select_related("created_by", "area").get(pk=job_id)
    _move(job, Status.VALIDATING, started_at=timezone.now())
    _run(job, commit=False)


def import_job_commit(*, job_id: int) -> None:
    """The commit (a task): validate again and write all rows in one transaction, or none."""
    job = ImportJob.objects.select_related("created_by", "area").get(pk=job_id)
    if job.status != Status.COMMITTING:
        raise StateError(f"import job {job.pk} is {job.status}, not committing")
    _run(job, commit=True)


def import_job_remove_files(job: ImportJob) -> None:
    """Remove everything a job stored on disk (used when jobs are pruned)."""
    shutil.rmtree(job_dir(job), ignore_errors=True)
