"""Forms of the staff register and activity ledger (labels come from the models' Chinese verbose names)."""

from django import forms

from .models import ActivityEntry, ServiceArea, StaffMember

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StaffForm(forms.ModelForm):
    class Meta:
        model = StaffMember
        fields = [
            "order", "name", "position", "position_title", "certificate", "service_area", "employment_start",
            "contract_term", "two_years_practice", "joined_on", "left_on", "note",
        ]
        widgets = {"employment_start": DATE_INPUT, "joined_on": DATE_INPUT, "left_on": DATE_INPUT}

    def __init__(self, *args, contract, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_area"].queryset = ServiceArea.objects.filter(contract=contract)
        if self.instance.pk:
            # the 片区 changes through a recorded transfer
            self.fields["service_area"].disabled = True
            self.fields["service_area"].help_text = "调整片区请使用“调动”，以保留调动记录。"


class TransferForm(forms.Form):
    to_area = forms.ModelChoiceField(label="调入片区", queryset=ServiceArea.objects.none(), required=False,
                                     empty_label="（不属于任何片区）")
    date = forms.DateField(label="调动日期", widget=DATE_INPUT)
    reason = forms.CharField(label="原因", max_length=200, required=False)

    def __init__(self, *args, contract, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_area"].queryset = ServiceArea.objects.filter(contract=contract)


class ActivityForm(forms.ModelForm):
    class Meta:
        model = ActivityEntry
        fields = ["date", "end_date", "name", "nature", "participants", "partners", "service_project", "service_area"]
        widgets = {"date": DATE_INPUT, "end_date": DATE_INPUT}

    def __init__(self, *args, contract, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_project"].queryset = contract.service_projects.all()
        self.fields["service_area"].queryset = contract.service_areas.all()
