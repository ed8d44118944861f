from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Unit, UnitKind, User
from duty.models import AccountabilityRecord, DutySettings, Instruction, SupervisionNotice

DT_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format=DT_FORMAT, **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    """A 24-hour "HH:MM" text box (browsers show type=time in 12-hour form in some locales)."""

    input_type = "text"

    def __init__(self, **kwargs: Any) -> None:
        attrs = {"inputmode": "numeric", "pattern": "[0-2][0-9]:[0-5][0-9]", "maxlength": "5", "placeholder": "15:00", **kwargs.pop("attrs", {})}
        super().__init__(format="%H:%M", attrs=attrs, **kwargs)


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:  # type: ignore[override]
        return obj.display_name


class UnitMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Unit) -> str:  # type: ignore[override]
        return obj.display_name


class InstructionForm(forms.Form):
    LEVELS = [
        ("", _("— pick units below —")),
        ("all", _("All units")),
        (UnitKind.TOWN, _("All towns and streets")),
        (UnitKind.DEPARTMENT, _("All departments")),
        (UnitKind.OFFICE, _("All district offices")),
    ]
    kind = forms.ChoiceField(label=_("Kind"), choices=Instruction.Kind.choices)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Instruction.Urgency.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    content = forms.CharField(label=_("Content"), widget=forms.Textarea(attrs={"rows": 6}))
    level = forms.ChoiceField(label=_("Send to a whole level"), choices=LEVELS, required=False)
    units = UnitMultipleChoiceField(label=_("Units"), queryset=Unit.objects.none(), required=False, widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}))
    ack_deadline = forms.DateTimeField(label=_("Acknowledge by"), widget=DateTimeLocalInput(), input_formats=[DT_FORMAT])
    report_deadline = forms.DateTimeField(label=_("Report the result by"), widget=DateTimeLocalInput(), input_formats=[DT_FORMAT])
    case_numbers = forms.CharField(label=_("Linked cases"), required=False, max_length=1000, help_text=_("Case numbers, separated by spaces or commas."))
    hazard_numbers = forms.CharField(label=_("Linked hazards"), required=False, max_length=1000, help_text=_("Hazard numbers, separated by spaces or commas."))

    def __init__(self, *args: Any, units: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = units if units is not None else Unit.objects.none()  # type: ignore[attr-defined]
        if not self.is_bound:
            now = timezone.localtime().replace(second=0, microsecond=0)
            self.initial.setdefault("ack_deadline", now + dt.timedelta(hours=1))
            self.initial.setdefault("report_deadline", now + dt.timedelta(days=1))

    def chosen_units(self) -> list[Unit]:
        level = self.cleaned_data.get("level") or ""
        pool = list(self.fields["units"].queryset)  # type: ignore[attr-defined]
        picked = {u.pk for u in self.cleaned_data.get("units") or []}
        chosen = [u for u in pool if u.pk in picked or level == "all" or (level and u.kind == level)]
        return chosen


class ResultForm(forms.Form):
    result = forms.CharField(label=_("What your unit did"), widget=forms.Textarea(attrs={"rows": 4}))


class CloseForm(forms.Form):
    note = forms.CharField(label=_("Closing note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class NoticeForm(forms.Form):
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    subject = forms.ChoiceField(label=_("About"), choices=SupervisionNotice.Subject.choices)
    instruction = forms.ModelChoiceField(label=_("Instruction"), queryset=Instruction.objects.none(), required=False)
    case_number = forms.CharField(label=_("Case number"), required=False, max_length=30, help_text=_("When the notice is about a complaint case."))
    hazard_number = forms.CharField(label=_("Hazard number"), required=False, max_length=30, help_text=_("When the notice is about a hazard."))
    title = forms.CharField(label=_("Title"), max_length=200)
    requirement = forms.CharField(label=_("What must be done"), widget=forms.Textarea(attrs={"rows": 5}))
    due_date = forms.DateField(label=_("Answer by"), widget=DateInput())

    def __init__(self, *args: Any, units: Any = None, instructions: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()  # type: ignore[attr-defined]
        self.fields["instruction"].queryset = instructions if instructions is not None else Instruction.objects.none()  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("due_date", timezone.localdate() + dt.timedelta(days=5))


class AnswerForm(forms.Form):
    text = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 5}))


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label=pgettext_lazy("duty", "Decision"), choices=[("accept", _("Accept the answer")), ("return", _("Send it back"))], widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    new_due_date = forms.DateField(label=_("New answer date (when sent back)"), required=False, widget=DateInput())


class AccountabilityForm(forms.Form):
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    reason = forms.CharField(label=pgettext_lazy("duty", "Reason"), widget=forms.Textarea(attrs={"rows": 4}))
    measure = forms.ChoiceField(label=_("Measure"), choices=AccountabilityRecord.Measure.choices)
    measure_detail = forms.CharField(label=_("Details of the measure"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    decided_by = forms.CharField(label=_("Decided by"), max_length=100)
    decided_on = forms.DateField(label=_("Decided on"), widget=DateInput())
    notices = forms.ModelMultipleChoiceField(label=_("Related supervision notices"), queryset=SupervisionNotice.objects.none(), required=False)
    case_numbers = forms.CharField(label=_("Related cases"), required=False, max_length=1000, help_text=_("Case numbers, separated by spaces or commas."))

    def __init__(self, *args: Any, units: Any = None, notices: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()  # type: ignore[attr-defined]
        self.fields["notices"].queryset = notices if notices is not None else SupervisionNotice.objects.none()  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("decided_on", timezone.localdate())


class DailyReportForm(forms.Form):
    nothing_to_report = forms.BooleanField(label=_("Nothing to report today"), required=False)
    situation = forms.CharField(label=_("Situation of the day"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    incidents = forms.CharField(label=_("New incidents"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    hazards = forms.CharField(label=_("Hazards found"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    help_needed = forms.CharField(label=_("Matters needing help from the district"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class UrgentReportForm(forms.Form):
    title = forms.CharField(label=_("What happened"), max_length=200)
    place = forms.CharField(label=_("Where"), max_length=200)
    occurred_at = forms.DateTimeField(label=_("When it happened"), widget=DateTimeLocalInput(), input_formats=[DT_FORMAT])
    scale = forms.CharField(label=_("Scale and impact"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    measures = forms.CharField(label=_("Measures taken"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    help_needed = forms.CharField(label=_("Help needed"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("occurred_at", timezone.localtime().replace(second=0, microsecond=0))


class SpecialPeriodForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("duty", "Name"), max_length=100)
    start_date = forms.DateField(label=_("First day"), widget=DateInput())
    end_date = forms.DateField(label=_("Last day"), widget=DateInput())
    report_due_time = forms.TimeField(label=_("Daily report due at"), required=False, widget=TimeInput(), help_text=_("Empty: the district's usual time."))
    units = UnitMultipleChoiceField(label=_("Units"), queryset=Unit.objects.none(), required=False, widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}), help_text=_("None ticked: every reporting unit."))
    description = forms.CharField(label=_("Requirements"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, units: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = units if units is not None else Unit.objects.none()  # type: ignore[attr-defined]


class DutySettingsForm(forms.ModelForm):
    class Meta:
        model = DutySettings
        fields = [
            "report_due_time",
            "ordinary_days",
            "report_reminder_minutes",
            "handover_time",
            "roster_check_time",
            "ack_reminder_minutes",
            "result_reminder_minutes",
            "notice_reminder_days",
            "progress_interval_days",
        ]
        widgets = {"report_due_time": TimeInput(), "handover_time": TimeInput(), "roster_check_time": TimeInput()}


class RosterImportForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"))


class OwnershipForm(forms.Form):
    case_number = forms.CharField(label=_("Case number"), max_length=30)
    leader = forms.ModelChoiceField(label=_("Leader"), queryset=User.objects.none())
    interval_days = forms.IntegerField(label=_("Progress report every (days)"), min_value=1, max_value=90)
    instructions = forms.CharField(label=_("Leader's instructions"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, leaders: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = leaders if leaders is not None else User.objects.none()  # type: ignore[attr-defined]


class ProgressForm(forms.Form):
    text = forms.CharField(label=_("Progress"), widget=forms.Textarea(attrs={"rows": 3}))


class BatchProgressForm(forms.Form):
    text = forms.CharField(label=_("Progress"), widget=forms.Textarea(attrs={"rows": 2}))
    resolved = forms.BooleanField(label=_("The matter is resolved"), required=False)


class BatchForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    deadline = forms.DateField(label=_("Deadline"), widget=DateInput())
    case_numbers = forms.CharField(label=_("Cases"), widget=forms.Textarea(attrs={"rows": 4}), help_text=_("Case numbers, separated by spaces, commas or new lines."))
    note = forms.CharField(label=_("Requirements"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("deadline", timezone.localdate() + dt.timedelta(days=30))
