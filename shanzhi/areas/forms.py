"""Forms of the area tools: batch locate and boundary import."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from . import coords
from .locate import parse_points

# One request locates at most this many points; larger batches belong to the command line
# (``shanzhi locate``).
LOCATE_MAX_POINTS = 10_000
LOCATE_MAX_UPLOAD_BYTES = 2 * 1024 * 1024


class LocateForm(forms.Form):
    points = forms.CharField(
        label=_("坐标（每行“经度,纬度”）"),
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 8, "class": "form-control font-monospace", "spellcheck": "false"}
        ),
        help_text=_("例如：117.2632,34.7952。空行和以 # 开头的行会被忽略。"),
    )
    csv_file = forms.FileField(
        label=_("或上传 CSV 文件"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".csv,.txt"}),
        help_text=_("每行“经度,纬度”，可带表头，UTF-8 编码，不超过 2 MB。"),
    )
    crs = forms.ChoiceField(
        label=_("坐标系"),
        choices=coords.CRS_CHOICES,
        initial=coords.WGS84,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        lines: list[str] = (cleaned.get("points") or "").splitlines()
        upload = cleaned.get("csv_file")
        if upload:
            if upload.size > LOCATE_MAX_UPLOAD_BYTES:
                raise forms.ValidationError(_("上传的文件超过 2 MB。"), code="too_large")
            try:
                lines += upload.read().decode("utf-8-sig").splitlines()
            except UnicodeDecodeError:
                raise forms.ValidationError(
                    _("上传的文件不是 UTF-8 编码的文本。"), code="encoding"
                ) from None
        points, errors = parse_points(lines)
        if errors:
            shown = errors[:20]
            if len(errors) > 20:
                shown.append(f"……另有 {len(errors) - 20} 处错误。")
            raise forms.ValidationError(shown, code="unreadable")
        if not points:
            raise forms.ValidationError(_("请输入或上传至少一个坐标。"), code="empty")
        if len(points) > LOCATE_MAX_POINTS:
            raise forms.ValidationError(
                _(
                    "一次最多定位 %(max)s 个坐标，本次有 %(count)s 个；"
                    "更多请使用命令行 shanzhi locate。"
                ),
                code="too_many",
                params={"max": LOCATE_MAX_POINTS, "count": len(points)},
            )
        cleaned["parsed_points"] = points
        return cleaned


class BoundaryImportForm(forms.Form):
    file = forms.FileField(
        label=_("GeoJSON 文件"),
        widget=forms.ClearableFileInput(
            attrs={"class": "form-control", "accept": ".geojson,.json,application/geo+json"}
        ),
        help_text=_(
            "FeatureCollection；每个要素的属性含 code、name、parent、level、kind"
            "（网格）和可选的 supervision_phone。"
        ),
    )
    crs = forms.ChoiceField(
        label=_("坐标系"),
        choices=coords.CRS_CHOICES,
        initial=coords.WGS84,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    dry_run = forms.BooleanField(
        label=_("仅试运行（校验并报告，不写入）"),
        required=False,
        initial=True,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.SHANZHI_GEOJSON_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _(
                    "文件过大：%(size).1f MB，超过上限 %(limit).1f MB。"
                    "请按区县或镇街拆分后分别导入。"
                ),
                code="too_large",
                params={"size": upload.size / 1048576, "limit": limit / 1048576},
            )
        return upload
