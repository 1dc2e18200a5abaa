"""The upload form of the import page."""

from __future__ import annotations

from typing import Any

from django import forms

from shanzhi.areas.models import Area
from shanzhi.areas.selectors import area_list

from ..models import ImportKind
from .readers import Limits, megabytes


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label="数据类别", choices=ImportKind.choices)
    file = forms.FileField(
        label="文件",
        help_text="由模板填写的 .xlsx，或 UTF-8 / GB18030 编码的 CSV。",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,.txt"}),
    )
    area = forms.CharField(
        label="限定区域编码（可选）",
        required=False,
        max_length=32,
        help_text="填写后，每一行都须落在该区域内，否则该行报错。",
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["kind"].widget.attrs["class"] = "form-select"
        self.fields["file"].widget.attrs["class"] = "form-control"
        self.fields["area"].widget.attrs["class"] = "form-control"
        limit = megabytes(Limits.from_settings().max_bytes)
        self.fields["file"].help_text += f" 最大 {limit}。"

    def clean_area(self) -> Area | None:
        code = (self.cleaned_data.get("area") or "").strip()
        if not code:
            return None
        area = area_list(user=self.user).filter(code=code).first()
        if area is None:
            raise forms.ValidationError("区域编码不存在或不在您的管辖范围内。")
        return area

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = Limits.from_settings().max_bytes
        if upload.size > limit:
            raise forms.ValidationError(
                f"文件过大（{megabytes(upload.size)}），上限为 {megabytes(limit)}。"
            )
        if upload.size == 0:
            raise forms.ValidationError("文件为空（0 字节）。")
        return upload
