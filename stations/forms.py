"""Forms of the staff register and activity ledger (labels come from the models' Chinese verbose names).

No misleading defaults (issue 11 §6): a list with nothing to choose from is not shown, an empty choice says what it
means, a transfer has no preselected destination, and every date must lie inside the service contract (the models'
clean(), so the admin, the services and the Excel imports refuse the same dates with the same message).
"""

from django import forms
from django.db.models import Max

from .models import ActivityEntry, ServiceArea, StaffMember

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _contract_dates_help(contract) -> str:
    return f"须在服务协议期内（{contract.start_date:%Y-%m-%d} 至 {contract.end_date:%Y-%m-%d}）。"


class StaffForm(forms.ModelForm):
    class Meta:
        model = StaffMember
        fields = [
            "order", "name", "position", "position_title", "certificate", "service_area", "employment_start",
            "contract_term", "two_years_practice", "joined_on", "left_on", "note",
        ]
        widgets = {"employment_start": DATE_INPUT, "joined_on": DATE_INPUT, "left_on": DATE_INPUT}

    AREA_POSITIONS = (StaffMember.Position.AREA_LEAD, StaffMember.Position.AREA_WORKER)

    def __init__(self, *args, contract, **kwargs):
        super().__init__(*args, **kwargs)
        self.contract = contract
        if self.instance.pk is None:
            self.instance.contract = contract  # the model's clean() checks the dates against it
            # 序号 continues the register instead of a 0 that would sort the newcomer first
            last = StaffMember.objects.filter(contract=contract).aggregate(last=Max("order"))["last"]
            self.initial.setdefault("order", (last or 0) + 1)
        self.fields["order"].min_value = 1
        self.fields["order"].widget.attrs["min"] = 1
        areas = ServiceArea.objects.filter(contract=contract).order_by("order", "id")
        if self.instance.pk is None and not areas.exists():
            del self.fields["service_area"]  # a contract without 片区 (113X): nothing to choose
        else:
            area_field = self.fields["service_area"]
            area_field.queryset = areas
            area_field.empty_label = "（站级岗位，不属于片区）"
            if self.instance.pk:
                # the 片区 changes through a recorded transfer
                area_field.disabled = True
                area_field.help_text = "调整片区请使用“调动”，以保留调动记录。"
            else:
                area_field.help_text = "片区主管、片区社工须选择所属片区。"
        for name in ("joined_on", "left_on"):
            self.fields[name].help_text = _contract_dates_help(contract)
        self.fields["joined_on"].help_text += "协议期开始时已在岗的留空。"
        self.fields["left_on"].help_text += "仍在岗的留空。"

    def clean(self):
        cleaned = super().clean()
        field = self.fields.get("service_area")
        if (
            field is not None and not field.disabled and cleaned.get("position") in self.AREA_POSITIONS
            and cleaned.get("service_area") is None and "service_area" not in self.errors
        ):
            self.add_error("service_area", "片区主管、片区社工须选择所属片区。")
        return cleaned


class TransferForm(forms.Form):
    """A transfer to another 片区 of the contract, or out of every 片区 (a station post) — always chosen explicitly:
    the list starts on “请选择”, never on a destination (issue 11 §6: it defaulted to “不属于任何片区”)."""

    NO_AREA = "none"

    to_area = forms.ChoiceField(label="调入片区", error_messages={"required": "请选择调入片区。"})
    date = forms.DateField(label="调动日期", widget=DATE_INPUT, error_messages={"required": "请填写调动日期。"})
    reason = forms.CharField(label="原因", max_length=200, required=False)

    def __init__(self, *args, contract, staff: StaffMember, **kwargs):
        super().__init__(*args, **kwargs)
        self._areas = {
            str(a.pk): a
            for a in ServiceArea.objects.filter(contract=contract).exclude(pk=staff.service_area_id).order_by("order", "id")
        }
        choices = [("", "—— 请选择调入片区 ——")] + [(pk, area.name) for pk, area in self._areas.items()]
        if staff.service_area_id is not None:
            choices.append((self.NO_AREA, "不属于任何片区（调任站级岗位）"))
        self.fields["to_area"].choices = choices
        self.fields["date"].help_text = _contract_dates_help(contract) + "调入片区自该日所在月份起生效。"

    def clean_to_area(self) -> ServiceArea | None:
        value = self.cleaned_data["to_area"]
        return None if value == self.NO_AREA else self._areas[value]


class ActivityForm(forms.ModelForm):
    class Meta:
        model = ActivityEntry
        fields = ["date", "end_date", "name", "nature", "participants", "partners", "service_project", "service_area"]
        widgets = {"date": DATE_INPUT, "end_date": DATE_INPUT}

    def __init__(self, *args, contract, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.instance.contract = contract  # the model's clean() checks the dates against it
        self.fields["date"].help_text = _contract_dates_help(contract)
        self.fields["end_date"].help_text = "跨月的恒常服务填写；" + _contract_dates_help(contract)
        self.fields["nature"].choices = [("", "（未注明）"), *ActivityEntry.Nature.choices]
        # 服务项目 and 片区 offer the contract's own; a contract without any has no such field (nothing to choose),
        # unless an existing activity still carries one, which stays visible
        for name, queryset, empty in (
            ("service_project", contract.service_projects.order_by("order", "id"), "（其他活动，不归入服务项目）"),
            ("service_area", contract.service_areas.order_by("order", "id"), "（全站活动，不限片区）"),
        ):
            if not queryset.exists() and getattr(self.instance, f"{name}_id") is None:
                del self.fields[name]
                continue
            self.fields[name].queryset = queryset
            self.fields[name].empty_label = empty
