"""The append-only audit log.

Rows are written only by ``shanzhi.core.audit.audit_record``. The model refuses updates and
deletes in code; on PostgreSQL a trigger refuses them in the database as well
(migration 0002).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditLogQuerySet(models.QuerySet):
    def update(self, **kwargs):  # type: ignore[no-untyped-def]
        raise AuditLogImmutable("审计日志不可修改 audit rows cannot be modified")

    def delete(self):  # type: ignore[no-untyped-def]
        raise AuditLogImmutable("审计日志不可删除 audit rows cannot be deleted")

    def bulk_update(self, objs, fields, batch_size=None):  # type: ignore[no-untyped-def]
        raise AuditLogImmutable("审计日志不可修改 audit rows cannot be modified")

    def bulk_create(self, objs, *args, **kwargs):  # type: ignore[no-untyped-def]
        # An upsert would rewrite existing rows; plain inserts are what an append-only log allows.
        if kwargs.get("update_conflicts"):
            raise AuditLogImmutable("审计日志不可修改 audit rows cannot be modified")
        return super().bulk_create(objs, *args, **kwargs)

    # The private paths behind update() and the deletion collector's fast delete.
    def _update(self, values):  # type: ignore[no-untyped-def]
        raise AuditLogImmutable("审计日志不可修改 audit rows cannot be modified")

    def _raw_delete(self, using):  # type: ignore[no-untyped-def]
        raise AuditLogImmutable("审计日志不可删除 audit rows cannot be deleted")


class AuditLogImmutable(Exception):
    pass


class Outcome(models.TextChoices):
    SUCCESS = "success", _("成功")
    FAILURE = "failure", _("失败")
    DENIED = "denied", _("拒绝")


class AuditLog(models.Model):
    created_at = models.DateTimeField(_("时间 time (UTC)"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("操作人 actor"),
    )
    actor_username = models.CharField(_("账号 username"), max_length=150, blank=True)
    post = models.CharField(_("岗位 post"), max_length=200, blank=True)
    action = models.CharField(_("动作 action"), max_length=64, db_index=True)
    object_type = models.CharField(_("对象类型 object type"), max_length=64, blank=True)
    object_id = models.CharField(_("对象 object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象 object"), max_length=200, blank=True)
    outcome = models.CharField(
        _("结果 outcome"), max_length=16, choices=Outcome.choices, default=Outcome.SUCCESS
    )
    ip = models.GenericIPAddressField(_("IP 地址 IP address"), null=True, blank=True)
    reason = models.TextField(_("事由 reason"), blank=True)
    detail = models.JSONField(_("详情 detail"), default=dict, blank=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计日志 audit log entry")
        verbose_name_plural = _("审计日志 audit log")
        ordering = ["-created_at", "-id"]
        default_permissions = ("view",)
        # The auditor's usual questions: what did this account do, who touched this object.
        indexes = [
            models.Index(fields=["actor_username", "-created_at"], name="auditlog_actor_time"),
            models.Index(fields=["object_type", "object_id"], name="auditlog_object"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.action}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.pk is not None:
            raise AuditLogImmutable("审计日志不可修改 audit rows cannot be modified")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise AuditLogImmutable("审计日志不可删除 audit rows cannot be deleted")


class DocumentTemplate(models.Model):
    """An administrator's replacement for a packaged Word template (``core.documents``).

    ``name`` is a document kind such as ``mediation.agreement``; while ``active`` the uploaded
    file is rendered instead of the packaged ``<app>/doc_templates/<kind>.docx``.
    """

    name = models.CharField(_("文书种类 document kind"), max_length=64, unique=True)
    file = models.FileField(_("模板文件 template file (.docx)"), upload_to="doc_templates/")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("上传人 uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("上传时间 uploaded at"), default=timezone.now)
    active = models.BooleanField(_("启用 active"), default=True)

    class Meta:
        verbose_name = _("文书模板 document template")
        verbose_name_plural = _("文书模板 document templates")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
