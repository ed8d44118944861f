from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Unit, UnitKind, User
from hazards import access
from hazards.models import Campaign, CampaignTarget, ChecklistItem, Grade, HazardCategory, HazardPhoto, ListingLevel, Source


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def town_choices(user: User) -> Any:
    qs = Unit.objects.filter(kind=UnitKind.TOWN, is_active=True).order_by("sort_order", "id")
    if access.sees_all_hazards(user):
        return qs
    ids = [u.pk for u in qs if access.user_covers_unit(user, u)]
    return qs.filter(pk__in=ids) if ids else qs


def unit_choices() -> Any:
    return Unit.objects.filter(is_active=True).exclude(kind=UnitKind.DISTRICT).order_by("path")


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return ("　" * max(0, obj.depth - 1)) + obj.display_name


class HazardForm(forms.Form):
    category = forms.ModelChoiceField(label=pgettext_lazy("hazard", "Category"), queryset=HazardCategory.objects.filter(is_active=True))
    grade = forms.ChoiceField(label=_("Grade"), choices=Grade.choices, initial=Grade.GENERAL)
    title = forms.CharField(label=pgettext_lazy("hazard", "Title"), max_length=120)
    description = forms.CharField(label=pgettext_lazy("hazard", "Description"), widget=forms.Textarea(attrs={"rows": 3}))
    town = UnitChoiceField(label=pgettext_lazy("hazard", "Town / street"), queryset=Unit.objects.none())
    address = forms.CharField(label=pgettext_lazy("hazard", "Location"), max_length=200)
    latitude = forms.DecimalField(label=_("Latitude"), max_digits=9, decimal_places=6, required=False, min_value=-90, max_value=90)
    longitude = forms.DecimalField(label=_("Longitude"), max_digits=9, decimal_places=6, required=False, min_value=-180, max_value=180)
    unit = UnitChoiceField(label=_("Responsible unit"), queryset=Unit.objects.none())
    responsible_person = forms.CharField(label=_("Responsible person"), max_length=60, required=False)
    responsible_phone = forms.CharField(label=pgettext_lazy("hazard", "Phone"), max_length=40, required=False)
    source = forms.ChoiceField(label=_("Source"), choices=Source.choices, initial=Source.UNIT_REPORT)
    source_note = forms.CharField(label=_("Source details"), max_length=200, required=False)
    found_on = forms.DateField(label=_("Found on"), widget=DateInput())
    deadline = forms.DateField(
        label=_("Rectification deadline"), widget=DateInput(), required=False, help_text=_("Empty: set by the rules (general hazards 7 days); for a major hazard the plan's deadline.")
    )
    photos = MultipleFileField(label=_("Photos before rectification"))
    plan_responsible_person = forms.CharField(label=_("Person responsible (责任人)"), max_length=60, required=False)
    plan_measures = forms.CharField(label=_("Measures (措施)"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    plan_funds_amount = forms.DecimalField(label=_("Funds, 10,000 yuan (资金)"), max_digits=12, decimal_places=2, required=False)
    plan_funds_source = forms.CharField(label=_("Source of funds"), max_length=100, required=False)
    plan_deadline = forms.DateField(label=_("Deadline (时限)"), widget=DateInput(), required=False)
    plan_contingency = forms.CharField(label=_("Contingency plan (预案)"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    PLAN_FIELDS = ("plan_responsible_person", "plan_measures", "plan_funds_amount", "plan_funds_source", "plan_deadline", "plan_contingency")

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["town"].queryset = town_choices(user)
        self.fields["unit"].queryset = unit_choices()

    def plan(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        if data.get("grade") != Grade.MAJOR or not any(data.get(f) not in (None, "") for f in self.PLAN_FIELDS):
            return None
        return {f.removeprefix("plan_"): data.get(f) for f in self.PLAN_FIELDS}

    def main_fields(self) -> list[forms.BoundField]:
        return [self[n] for n in self.fields if not n.startswith("plan_")]

    def plan_fields(self) -> list[forms.BoundField]:
        return [self[n] for n in self.PLAN_FIELDS]


class HazardEditForm(forms.Form):
    title = forms.CharField(label=pgettext_lazy("hazard", "Title"), max_length=120)
    description = forms.CharField(label=pgettext_lazy("hazard", "Description"), widget=forms.Textarea(attrs={"rows": 3}))
    address = forms.CharField(label=pgettext_lazy("hazard", "Location"), max_length=200)
    latitude = forms.DecimalField(label=_("Latitude"), max_digits=9, decimal_places=6, required=False, min_value=-90, max_value=90)
    longitude = forms.DecimalField(label=_("Longitude"), max_digits=9, decimal_places=6, required=False, min_value=-180, max_value=180)
    responsible_person = forms.CharField(label=_("Responsible person"), max_length=60, required=False)
    responsible_phone = forms.CharField(label=pgettext_lazy("hazard", "Phone"), max_length=40, required=False)


class PlanForm(forms.Form):
    responsible_person = forms.CharField(label=_("Person responsible (责任人)"), max_length=60)
    measures = forms.CharField(label=_("Measures (措施)"), widget=forms.Textarea(attrs={"rows": 4}))
    funds_amount = forms.DecimalField(label=_("Funds, 10,000 yuan (资金)"), max_digits=12, decimal_places=2, min_value=0)
    funds_source = forms.CharField(label=_("Source of funds"), max_length=100, required=False)
    deadline = forms.DateField(label=_("Deadline (时限)"), widget=DateInput())
    contingency = forms.CharField(label=_("Contingency plan (预案)"), widget=forms.Textarea(attrs={"rows": 4}))


class RectifiedForm(forms.Form):
    note = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 4}))
    photos = MultipleFileField(label=_("Photos after rectification"), help_text=_("At least one photo as evidence (unless already uploaded)."))


class VerifyForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Result of the on-site verification"),
        choices=[("pass", _("Passed")), ("fail", _("Failed: back to rectification"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Remarks (the reason, when failed)"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class ListingForm(forms.Form):
    level = forms.ChoiceField(label=pgettext_lazy("hazard", "Level"), choices=ListingLevel.choices)
    listed_on = forms.DateField(label=_("Published on"), widget=DateInput())
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class ExtensionForm(forms.Form):
    new_deadline = forms.DateField(label=_("New deadline"), widget=DateInput())
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class DecideForm(forms.Form):
    approve = forms.TypedChoiceField(label=_("Decision"), choices=[("1", _("Approve")), ("0", _("Reject"))], coerce=lambda v: v == "1")
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class PhotoForm(forms.Form):
    phase = forms.ChoiceField(label=_("Phase"), choices=HazardPhoto.Phase.choices)
    photo = forms.FileField(label=_("Photo"), widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Ledger (.xlsx)"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))
    skip_duplicates = forms.BooleanField(
        label=_("Skip rows that duplicate existing hazards (otherwise duplicates stop the import)"), required=False
    )


class CampaignForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("hazard", "Name"), max_length=120)
    description = forms.CharField(label=pgettext_lazy("hazard", "Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    categories = forms.ModelMultipleChoiceField(
        label=_("Categories"), queryset=HazardCategory.objects.filter(is_active=True), widget=forms.CheckboxSelectMultiple
    )
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput())
    ends_on = forms.DateField(label=_("Ends on"), widget=DateInput())
    lead_unit = UnitChoiceField(label=_("Lead unit"), queryset=Unit.objects.none(), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead_unit"].queryset = unit_choices()


class TargetForm(forms.Form):
    category = forms.ModelChoiceField(label=pgettext_lazy("hazard", "Category"), queryset=HazardCategory.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=CampaignTarget.Kind.choices, initial=CampaignTarget.Kind.SITE)
    name = forms.CharField(label=pgettext_lazy("hazard", "Name"), max_length=120)
    town = UnitChoiceField(label=pgettext_lazy("hazard", "Town / street"), queryset=Unit.objects.none())
    target_unit = UnitChoiceField(label=_("Unit inspected (for a unit target)"), queryset=Unit.objects.none(), required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    latitude = forms.DecimalField(label=_("Latitude"), max_digits=9, decimal_places=6, required=False, min_value=-90, max_value=90)
    longitude = forms.DecimalField(label=_("Longitude"), max_digits=9, decimal_places=6, required=False, min_value=-180, max_value=180)

    def __init__(self, *args: Any, campaign: Campaign, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = campaign.categories.all()
        cats = list(campaign.categories.values_list("pk", flat=True)[:2])
        if len(cats) == 1:
            self.fields["category"].initial = cats[0]
        self.fields["town"].queryset = Unit.objects.filter(kind=UnitKind.TOWN, is_active=True).order_by("sort_order", "id")
        self.fields["target_unit"].queryset = unit_choices()


class TargetImportForm(forms.Form):
    file = forms.FileField(label=_("Target list (.xlsx)"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))


class ChecklistItemForm(forms.Form):
    category = forms.ModelChoiceField(label=pgettext_lazy("hazard", "Category"), queryset=HazardCategory.objects.none())
    text = forms.CharField(label=_("Item to check"), max_length=200)

    def __init__(self, *args: Any, campaign: Campaign, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = campaign.categories.all()


ANSWER_CHOICES = [("ok", _("OK")), ("problem", _("Problem")), ("na", _("Not applicable"))]


class InspectionForm(forms.Form):
    inspected_on = forms.DateField(label=_("Inspection date"), widget=DateInput())
    other_inspectors = forms.CharField(label=_("Other inspectors"), max_length=200, required=False)
    note = forms.CharField(label=_("Findings"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    found_hazards = forms.BooleanField(label=_("Hazards found (register them after saving)"), required=False)
    photos = MultipleFileField(label=_("Photos"))

    def __init__(self, *args: Any, items: list[ChecklistItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            self.fields[f"item_{item.pk}"] = forms.ChoiceField(label=item.text, choices=ANSWER_CHOICES, widget=forms.RadioSelect, required=False)
            self.fields[f"item_{item.pk}_note"] = forms.CharField(label=_("Note"), max_length=200, required=False)

    def answers(self) -> dict[int, tuple[str, str]]:
        out = {}
        for item in self.items:
            value = self.cleaned_data.get(f"item_{item.pk}") or ""
            if value:
                out[item.pk] = (value, self.cleaned_data.get(f"item_{item.pk}_note") or "")
        return out

    def item_rows(self) -> list[tuple[ChecklistItem, forms.BoundField, forms.BoundField]]:
        return [(item, self[f"item_{item.pk}"], self[f"item_{item.pk}_note"]) for item in self.items]

    def general_fields(self) -> list[forms.BoundField]:
        return [self[n] for n in ("inspected_on", "other_inspectors", "note", "found_hazards", "photos")]
