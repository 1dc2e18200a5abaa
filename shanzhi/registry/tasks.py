"""Background tasks of the registry (django-tasks; run by ``manage.py db_worker``).

Each task takes a job id and calls one service; the job row carries the state and results.
"""

from __future__ import annotations

from django_tasks import task


@task()
def import_validate_task(job_id: int) -> None:
    from .importing.jobs import import_job_validate

    import_job_validate(job_id=job_id)


@task()
def import_commit_task(job_id: int) -> None:
    from .importing.jobs import import_job_commit

    import_job_commit(job_id=job_id)


@task()
def export_persons_task(job_id: int) -> None:
    from .exporting import export_job_run

    export_job_run(job_id=job_id)
