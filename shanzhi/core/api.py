"""REST API base: one error format, one paginator, and the schema pieces every endpoint shares.

Every error an endpoint answers — invalid input (400), not logged in or bad token (401),
forbidden (403), not found or outside the caller's jurisdiction (404), wrong method (405),
changed by someone else (409) — has one body::

    {"code": "invalid", "message": "提交的数据有误，请检查。", "fields": {"boundary": ["…"]}}

``code`` is stable and meant for programs; ``message`` is for people (Simplified Chinese by
default, translated with the request's language); ``fields`` maps a field name (dotted for
nested input, e.g. ``"items.0.name"``) to its messages and is ``{}`` when no field is at fault.
"""

from __future__ import annotations

import functools
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

# Keys under which Django and DRF put errors that belong to no single field.
NON_FIELD_KEYS = (api_settings.NON_FIELD_ERRORS_KEY, "__all__")


@functools.cache
def _choice_labels(model: type, field_name: str) -> dict[Any, Any]:
    return dict(model._meta.get_field(field_name).flatchoices)  # type: ignore[attr-defined]


class ChoiceLabelField(serializers.CharField):
    """The label of a model field's choice, as ``get_<field>_display()`` gives it, on a
    ModelSerializer (read-only). Django's method builds a dict of hashed lazy labels on every
    call — in a list, once per row per field; this map is built once per process and only the
    label is translated per call."""

    def __init__(self, choice_field: str, **kwargs: Any) -> None:
        super().__init__(source=choice_field, read_only=True, **kwargs)

    def to_representation(self, value: Any) -> str:
        labels = _choice_labels(self.parent.Meta.model, self.source)
        return str(labels.get(value, value))


class Pagination(PageNumberPagination):
    """``?page=N&page_size=M`` (at most 500); answers ``{count, next, previous, results}``."""

    page_size_query_param = "page_size"
    max_page_size = 500
    invalid_page_message = gettext_lazy("页码无效：该页不存在。")  # type: ignore[assignment]


class ErrorSerializer(serializers.Serializer):
    """The one error body (documentation only: errors are built by ``exception_handler``)."""

    code = serializers.CharField(
        help_text="机器可读的错误代码，例如 invalid、parse_error、not_authenticated、"
        "authentication_failed、permission_denied、csrf_failed、not_found、method_not_allowed、"
        "unsupported_media_type、conflict。"
    )
    message = serializers.CharField(help_text="给人看的说明（默认简体中文）。")
    # Declared fields leave the class (SerializerMetaclass), so this does not shadow .fields.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="字段名 → 该字段的错误信息；与具体字段无关时为空对象。",
    )


_ERROR_DESCRIPTIONS = {
    400: "提交的数据有误（fields 中列出各字段的错误）。",
    401: "未登录，或令牌无效、已撤销。",
    403: "没有执行该操作的权限。",
    404: "不存在，或不在您的管辖范围内。",
    405: "不支持该请求方法。",
    409: "该记录已被他人修改（version 已过期），未写入任何内容。",
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """Schema entries for the error statuses an endpoint may answer, all in the error shape.

    401 and 403 are always included: every endpoint needs a login and may refuse it.
    """
    wanted = sorted({401, 403, *codes})
    return {
        code: OpenApiResponse(response=ErrorSerializer, description=_ERROR_DESCRIPTIONS[code])
        for code in wanted
    }


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF error detail (nested dicts and lists) as ``{"dotted.field": [messages]}``."""
    errors: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for field, messages in _flatten(value, name).items():
                errors.setdefault(field, []).extend(messages)
    elif isinstance(detail, list | tuple):
        if all(not isinstance(item, dict | list | tuple) for item in detail):
            if detail:
                errors[prefix or NON_FIELD_KEYS[0]] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                name = f"{prefix}.{index}" if prefix else str(index)
                for field, messages in _flatten(item, name).items():
                    errors.setdefault(field, []).extend(messages)
    else:
        errors[prefix or NON_FIELD_KEYS[0]] = [str(detail)]
    return errors


def _translate(exc: Exception) -> Exception:
    """Django's exceptions as their DRF counterparts, with our own wording."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return exceptions.ValidationError(exc.message_dict)
        return exceptions.ValidationError({NON_FIELD_KEYS[0]: exc.messages})
    if isinstance(exc, Http404):
        return exceptions.NotFound(_("不存在，或不在您的管辖范围内。"))
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    return exc


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict:
    return {"code": code, "message": message, "fields": fields or {}}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler (status, headers such as WWW-Authenticate and Allow), our body."""
    exc = _translate(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # not an API error: Django's 500 handling and logging take over
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        general: list[str] = []
        for key in NON_FIELD_KEYS:
            general += fields.pop(key, [])
        message = " ".join(general) if general else _("提交的数据有误，请检查。")
        response.data = error_body("invalid", message, fields)
        return response
    detail = getattr(exc, "detail", "")
    code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
    message = str(detail)
    if isinstance(exc, exceptions.PermissionDenied) and message.startswith("CSRF Failed"):
        # DRF's SessionAuthentication says this in English only.
        code = "csrf_failed"
        message = _("CSRF 校验失败：请刷新页面后重试；程序调用请使用 API 令牌。")
    response.data = error_body(str(code), message)
    return response


def conflict_response(message: str | None = None) -> Response:
    """409 for a stale ``version``: someone else changed the record; nothing was written."""
    return Response(
        error_body("conflict", message or _("该记录已被他人修改，请刷新后重试。")),
        status=status.HTTP_409_CONFLICT,
    )


def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any path under /api/ that names no endpoint: 404 in the error format, not an HTML page."""
    return JsonResponse(
        error_body("not_found", _("接口不存在。")),
        status=404,
        json_dumps_params={"ensure_ascii": False},
    )
