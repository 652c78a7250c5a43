from __future__ import annotations

from django import forms

from reports.models import EvaluationItem

from .models import QuestionnaireTemplate, Respondent


class SurveyCreateForm(forms.Form):
    template = forms.ModelChoiceField(
        label="问卷模板", queryset=QuestionnaireTemplate.objects.filter(active=True), empty_label=None
    )
    title = forms.CharField(label="调查名称", max_length=120, required=False, help_text="留空则为“站点名称+服务对象满意度调查”。")
    group1 = forms.CharField(label="群体一（决定满意度得分）", max_length=30, initial="服务对象")
    size1 = forms.IntegerField(label="样本量", min_value=0, max_value=1000, initial=45)
    group2 = forms.CharField(label="群体二", max_length=30, initial="居委会代表", required=False)
    size2 = forms.IntegerField(label="样本量", min_value=0, max_value=1000, initial=5, required=False)
    group3 = forms.CharField(label="群体三", max_length=30, initial="合作方代表", required=False)
    size3 = forms.IntegerField(label="样本量", min_value=0, max_value=1000, initial=2, required=False)
    points_max = forms.DecimalField(
        label="服务对象满意度分值", max_digits=5, decimal_places=2, min_value=0, required=False,
        help_text="如 10 分：得分 = 服务对象满意度 × 分值。",
    )
    points_item = forms.ModelChoiceField(
        label="计入评估项（可选）", queryset=EvaluationItem.objects.none(), required=False,
        help_text="结束调查后，可把得分写入第三方评分表的该项。",
    )

    def __init__(self, *args, evaluation=None, **kwargs):
        super().__init__(*args, **kwargs)
        if evaluation is not None:
            self.fields["points_item"].queryset = EvaluationItem.objects.filter(section__evaluation=evaluation)

    def clean(self):
        data = super().clean()
        names = [(data.get(f"group{i}") or "").strip() for i in (1, 2, 3)]
        filled = [n for n in names if n]
        if len(filled) != len(set(filled)):
            raise forms.ValidationError("受访群体名称不能重复。")
        if data.get("points_item") is not None and data.get("points_max") is None:
            self.add_error("points_max", "计入评估项时请填写分值。")
        return data


class InterviewForm(forms.Form):
    outcome = forms.ChoiceField(
        label="访问结果", choices=Respondent.Outcome.choices, widget=forms.RadioSelect(attrs={"class": "form-check-input"})
    )
    comment = forms.CharField(
        label="意见建议", required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
