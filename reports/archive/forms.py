"""Forms of the signed reports: the verification upload and the withdrawal reason."""

from __future__ import annotations

from django import forms
from django.conf import settings

VERIFY_MAX_BYTES_DEFAULT = 20 * 1024 * 1024


def verify_max_bytes() -> int:
    return int(getattr(settings, "REPORT_VERIFY_MAX_BYTES", VERIFY_MAX_BYTES_DEFAULT))


class VerifyForm(forms.Form):
    file = forms.FileField(
        label="报告文件（PDF）",
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": "application/pdf,.pdf"}),
        error_messages={"required": "请选择要核验的 PDF 文件。", "empty": "上传的文件是空文件。",
                        "invalid": "上传的文件无效，请重新选择。"},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = verify_max_bytes()
        if upload.size > limit:
            raise forms.ValidationError(f"文件超过 {limit // (1024 * 1024)} MB 的大小限制：评估报告通常只有 1 MB 左右。")
        return upload


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="撤回原因", max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        error_messages={"required": "请填写撤回发布的原因。", "max_length": "撤回原因不能超过 2000 字。"},
    )
