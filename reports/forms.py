"""Forms of the four-party evaluation screens (issue 4)."""

from __future__ import annotations

from typing import Any

from django import forms

from stations.models import Organisation, User

from .models import Evaluation, Party, RubricTemplate
from .permissions import contracts_for_new_evaluation


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class EvaluationCreateForm(forms.Form):
    contract = forms.ModelChoiceField(label="服务协议", queryset=None, empty_label="请选择服务协议")
    # no preselected 中期 (issue 11 §6: no misleading defaults): the bureau says which evaluation it creates
    kind = forms.ChoiceField(
        label="评估类型", choices=[("", "请选择评估类型"), *Evaluation.Kind.choices],
        error_messages={"required": "请选择评估类型。"},
    )
    date = forms.DateField(label="评估日期", widget=DateInput())
    period_start = forms.DateField(label="考核期开始", widget=DateInput())
    period_end = forms.DateField(label="考核期结束", widget=DateInput())
    agency = forms.ModelChoiceField(
        label="第三方评估机构", queryset=Organisation.objects.filter(kind="evaluator"), empty_label="请选择评估机构"
    )
    supervision_centre = forms.ModelChoiceField(
        label="督导中心", queryset=Organisation.objects.filter(kind="supervision"), required=False,
        empty_label="（不指定：任一督导中心用户可评分）",
    )
    template = forms.ModelChoiceField(
        label="评估指标模板", queryset=RubricTemplate.objects.filter(active=True), empty_label="请选择评估指标模板"
    )
    evaluators = forms.ModelMultipleChoiceField(
        label="评估员", queryset=User.objects.filter(role="evaluator", is_active=True).select_related("organisation"),
        widget=forms.CheckboxSelectMultiple, help_text="须为所选评估机构的用户；评估员须先作出回避声明才能查看站点资料。",
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contract"].queryset = contracts_for_new_evaluation(user).select_related("station")
        self.fields["evaluators"].label_from_instance = lambda u: f"{u}（{u.organisation}）"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", "考核期结束日期不能早于开始日期。")
        return data


class DeclarationForm(forms.Form):
    declaration = forms.ChoiceField(
        label="回避声明",
        choices=[
            ("no_conflict", "本人与该社工服务站、承接机构及其工作人员不存在利益冲突"),
            ("conflict", "本人存在利益冲突，申请回避（将退出本次评估）"),
        ],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": "请选择声明内容。"},
    )
    confirm = forms.BooleanField(
        label="本人确认以上声明真实。", required=True, widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
        error_messages={"required": "请勾选确认。"},
    )


class PartyEntryForm(forms.Form):
    MODE_CHOICES = [("points", "按权重得分录入"), ("score_100", "按百分制录入（自动折算）")]

    mode = forms.ChoiceField(
        label="录入方式", choices=MODE_CHOICES, initial="points",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    value = forms.CharField(
        label="得分", required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "class": "form-control form-control-lg"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label="重新开启原因", widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}), max_length=2000,
        error_messages={"required": "请填写重新开启的原因。"},
    )
    parties = forms.MultipleChoiceField(
        label="重新开启的评估方", choices=Party.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        required=False, help_text="不选择则重新开启全部已提交的评估方。",
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("请填写重新开启的原因。")
        return reason
