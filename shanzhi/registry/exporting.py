"""Export of the person list to xlsx (导出): scoped, masked, audited.

Rows come from ``selectors.person_list`` with the same filters as the list page, so an export
holds exactly what the user may see; only the masked columns are read (``id_masked``,
``phone_masked``) — ciphertexts never leave the database. Every export writes one
``registry.export`` audit row with its filters and row count. Up to
``SHANZHI_EXPORT_SYNC_ROWS`` rows are written at once; larger exports run as a background
``ExportJob`` and are downloaded by their requester when ready. The xlsx is written in
xlsxwriter's constant-memory mode, 2,000 rows at a time.
"""

from __future__ import annotations

import datetime
import logging
import os
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path
from typing import IO, Any

import xlsxwriter
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from shanzhi.accounts.scope import scope_for

from . import selectors, services
from .identity import Gender, IdType
from .models import ExportJob, ImportKind, Person, PersonStatus, PoliticalStatus, ResidenceCategory

logger = logging.getLogger(__name__)

CHUNK = 2000
KEEP_FILES = datetime.timedelta(hours=24)
# Exact searches by ID or phone match a handful of people; they are never stored in a job
# (a job's filters are kept in the database, and these values are personal data).
EXACT_FILTERS = ("id_number", "phone")

LABELS: dict[str, dict[str, str]] = {
    "gender": {str(k): str(v) for k, v in Gender.choices},
    "id_type": {str(k): str(v) for k, v in IdType.choices},
    "residence_category": {str(k): str(v) for k, v in ResidenceCategory.choices},
    "political_status": {str(k): str(v) for k, v in PoliticalStatus.choices},
    "status": {str(k): str(v) for k, v in PersonStatus.choices},
}
# (header, values_list field, column width)
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("姓名", "name", 10),
    ("性别", "gender", 6),
    ("出生日期", "birth_date", 12),
    ("民族", "ethnicity", 8),
    ("证件类型", "id_type", 12),
    ("证件号码（脱敏）", "id_masked", 22),
    ("联系电话（脱敏）", "phone_masked", 14),
    ("人口类别", "residence_category", 10),
    ("户籍地址", "registered_address", 28),
    ("现住址", "current_address", 28),
    ("流出地/国籍", "origin_place", 12),
    ("职业", "occupation", 12),
    ("工作单位", "employer", 20),
    ("政治面貌", "political_status", 12),
    ("标签", "tags", 16),
    ("状态", "status", 8),
    ("所属网格编码", "grid__code", 18),
    ("所属网格", "grid__name", 18),
)
FIELDS = tuple(f for _, f, _ in COLUMNS if f != "tags")

ProgressCallback = Callable[[int, int], None]


def require_export(user: Any) -> None:
    if not scope_for(user).can("registry.export"):
        raise PermissionDenied("您没有导出基础数据的权限。")


def export_queryset(*, user: Any, filters: dict[str, Any]) -> QuerySet[Person]:
    return selectors.person_list(user=user, **filters)


def export_filename(when: Any = None) -> str:
    when = timezone.localtime(when or timezone.now())
    return f"实有人口导出_{when:%Y%m%d_%H%M}.xlsx"


def _rows(query: QuerySet[Person]) -> Iterator[list[tuple[Any, ...]]]:
    """The export's rows in chunks, each with its tags joined (one query per chunk)."""
    through = Person.tags.through
    stream = query.values_list("pk", *FIELDS).iterator(chunk_size=CHUNK)
    while chunk := list(islice(stream, CHUNK)):
        tags: dict[int, list[str]] = {}
        for person_id, name in through.objects.filter(
            person_id__in=[row[0] for row in chunk]
        ).values_list("person_id", "tag__name"):
            tags.setdefault(person_id, []).append(name)
        yield [(*row, "、".join(sorted(tags.get(row[0], ())))) for row in chunk]


def write_person_export(
    *,
    user: Any,
    filters: dict[str, Any],
    out: str | Path | IO[bytes],
    progress: ProgressCallback | None = None,
) -> int:
    """Write the export to ``out`` and audit it; returns the number of persons."""
    require_export(user)
    query = export_queryset(user=user, filters=filters)
    total = query.count() if progress is not None else 0
    options = {"constant_memory": True} if isinstance(out, str | Path) else {"in_memory": True}
    book = xlsxwriter.Workbook(out, options)  # type: ignore[arg-type]
    count = 0
    try:
        head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        sheet = book.add_worksheet("实有人口")
        sheet.freeze_panes(1, 0)
        for col, (title, _, width) in enumerate(COLUMNS):
            sheet.set_column(col, col, width)
            sheet.write_string(0, col, title, head)
        positions = {field: i + 1 for i, field in enumerate(FIELDS)}
        positions["tags"] = len(FIELDS) + 1
        for chunk in _rows(query):
            for row in chunk:
                count += 1
                for col, (_, field, _) in enumerate(COLUMNS):
                    value = row[positions[field]]
                    if value is None:
                        continue
                    text = LABELS[field].get(value, value) if field in LABELS else value
                    sheet.write_string(count, col, str(text))
            if progress is not None:
                progress(count, total)
        notes = book.add_worksheet("说明")
        notes.set_column(0, 0, 14)
        notes.set_column(1, 1, 70)
        facts = (
            ("导出人", f"{user.get_full_name() or user.get_username()}（{user.get_username()}）"),
            ("导出时间", f"{timezone.localtime():%Y-%m-%d %H:%M}"),
            ("筛选条件", describe_filters(filters)),
            ("人数", f"{count:,}"),
            (
                "说明",
                "仅含您管辖范围内的人员；证件号码、联系电话已脱敏。本表含个人信息，请妥善保管。",
            ),
        )
        for line, (label, value) in enumerate(facts):
            notes.write_string(line, 0, label, head)
            notes.write_string(line, 1, value)
    finally:
        book.close()
    services.registry_access_record(
        actor=user, action="registry.export", filters=filters, count=count
    )
    return count


def describe_filters(filters: dict[str, Any]) -> str:
    shown = {k: v for k, v in filters.items() if v not in (None, "") and k not in EXACT_FILTERS}
    if any(filters.get(k) for k in EXACT_FILTERS):
        shown["精确查找"] = "证件号码或手机号码"
    return "；".join(f"{k}={v}" for k, v in shown.items()) or "（无，辖区内全部人员）"


# --- background exports -----------------------------------------------------------------------


def export_runs_in_background(*, user: Any, filters: dict[str, Any]) -> bool:
    if any(filters.get(k) for k in EXACT_FILTERS):
        return False
    limit = settings.SHANZHI_EXPORT_SYNC_ROWS
    return export_queryset(user=user, filters=filters)[: limit + 1].count() > limit


def export_dir() -> Path:
    path = Path(settings.SHANZHI_JOBS_DIR) / "exports"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def export_path(job: ExportJob) -> Path | None:
    if job.status != ExportJob.Status.DONE or not job.file_path:
        return None
    path = Path(settings.SHANZHI_JOBS_DIR) / job.file_path
    return path if path.exists() else None


def export_files_expire() -> int:
    """Delete export files older than KEEP_FILES (they hold personal data)."""
    cutoff = timezone.now() - KEEP_FILES
    old = ExportJob.objects.filter(status=ExportJob.Status.DONE, finished_at__lt=cutoff)
    count = 0
    for job in old.exclude(file_path=""):
        (Path(settings.SHANZHI_JOBS_DIR) / job.file_path).unlink(missing_ok=True)
        count += ExportJob.objects.filter(pk=job.pk).update(
            file_path="", message="文件已过期删除。"
        )
    return count


@transaction.atomic
def export_job_create(*, actor: Any, filters: dict[str, Any]) -> ExportJob:
    require_export(actor)
    export_files_expire()
    if any(filters.get(k) for k in EXACT_FILTERS):
        raise PermissionDenied("精确查找的结果请直接导出。")
    job = ExportJob.objects.create(kind=ImportKind.PERSONS, created_by=actor, filters=filters)
    from .tasks import export_persons_task

    transaction.on_commit(lambda: export_persons_task.enqueue(job.pk))
    return job


def export_job_list(*, user: Any) -> QuerySet[ExportJob]:
    """The user's own export jobs; an export is for the person who asked for it."""
    if user is None or not user.is_authenticated or not scope_for(user).can("registry.export"):
        return ExportJob.objects.none()
    return ExportJob.objects.filter(created_by=user)


def export_job_get(*, user: Any, pk: Any) -> ExportJob:
    try:
        return export_job_list(user=user).get(pk=pk)
    except (ExportJob.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("导出任务不存在。") from exc


def export_job_run(*, job_id: int) -> None:
    """The background export (a task). The scope is the requester's scope *now*."""
    job = ExportJob.objects.select_related("created_by").get(pk=job_id)
    moved = ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.QUEUED).update(
        status=ExportJob.Status.RUNNING
    )
    if not moved or job.created_by is None:
        return
    target = export_dir() / f"{job.pk}.xlsx"
    last = -1

    def progress(done: int, total: int) -> None:
        nonlocal last
        percent = int(done * 100 / total) if total else 100
        if percent != last:
            last = percent
            ExportJob.objects.filter(pk=job.pk).update(progress=percent)

    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.close(fd)
        count = write_person_export(
            user=job.created_by, filters=job.filters, out=target, progress=progress
        )
    except PermissionDenied as exc:
        target.unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.FAILED, message=str(exc), finished_at=timezone.now()
        )
        return
    except Exception:
        logger.exception("export job %s crashed", job.pk)
        target.unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.FAILED,
            message="导出失败（系统错误）。",
            finished_at=timezone.now(),
        )
        raise
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.DONE,
        progress=100,
        row_count=count,
        file_path=str(target.relative_to(Path(settings.SHANZHI_JOBS_DIR))),
        finished_at=timezone.now(),
    )
