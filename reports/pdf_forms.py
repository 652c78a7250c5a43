"""Forms of the report download page."""

from __future__ import annotations

from django import forms

from stations.models import District


class BundleForm(forms.Form):
    """打包下载: a district (only those the user may bundle) and a period."""

    district = forms.ModelChoiceField(
        label="区", queryset=District.objects.none(), empty_label=None,
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={"required": "请选择区。", "invalid_choice": "您无权打包下载该区的报告。"},
    )
    period_from = forms.DateField(
        label="起始日期", widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-control"}),
        error_messages={"required": "请填写起始日期。", "invalid": "起始日期格式不正确，应为 YYYY-MM-DD。"},
    )
    period_to = forms.DateField(
        label="截止日期", widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-control"}),
        error_messages={"required": "请填写截止日期。", "invalid": "截止日期格式不正确，应为 YYYY-MM-DD。"},
    )

    def __init__(self, *args, districts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_from"), cleaned.get("period_to")
        if start and end and end < start:
            self.add_error("period_to", "截止日期不能早于起始日期。")
        return cleaned
