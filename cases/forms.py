"""Forms of the case workbench pages. They check the shape of the input (required fields,
types, lengths); the services check everything else (role, unit, state, windows) and
their refusals are put back on these forms beside the fields."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Unit, User
from accounts.scoping import visible_units
from cases.choice_cache import ready_choices, register_choices
from cases.models import (
    CONTENT_MAX,
    Case,
    CaseLink,
    CaseReply,
    CaseType,
    Channel,
    ContactChannel,
    Level,
    Outcome,
    RedirectChannel,
    Satisfaction,
    State,
)
from cases.selectors import category_tree

TEXT_MAX = 2000
PHONE_RE = re.compile(r"^\+?[0-9][0-9 \-]{5,19}$")
ID_NUMBER_RE = re.compile(r"^([0-9]{15}|[0-9]{17}[0-9Xx])$")
BLANK: list[tuple[str, Any]] = [("", "—")]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; cleans to a list (possibly empty)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def _unit_label(unit: Unit) -> str:
    return ("　" * max(0, unit.depth - 1)) + unit.display_name


def unit_choices(units: Any) -> list[tuple[str, str]]:
    return [(str(u.pk), _unit_label(u)) for u in units]


def category_choices() -> list[tuple[str, str]]:
    """Every active category as (id, "level 1 › level 2 › level 3")."""
    names: dict[int, str] = {}
    out = []
    for c in category_tree():
        label = c.display_name if c.parent_id is None else f"{names.get(c.parent_id, '')} › {c.display_name}"
        names[c.pk] = label
        out.append((str(c.pk), label))
    return out


def category_options() -> list[dict[str, Any]]:
    """The category tree for the searchable select of the registration page: level-1 and
    level-2 nodes become option groups ("城乡建设 › 物业管理"), level-3 nodes options; a
    level-2 node without children is an option itself."""
    tree = category_tree()
    by_parent: dict[int | None, list[Any]] = {}
    for c in tree:
        by_parent.setdefault(c.parent_id, []).append(c)
    groups = []
    for top in by_parent.get(None, []):
        for mid in by_parent.get(top.pk, []):
            leaves = by_parent.get(mid.pk, [])
            label = f"{top.display_name} › {mid.display_name}"
            if leaves:
                options = [
                    {"id": leaf.pk, "label": leaf.display_name, "search": f"{label} {leaf.display_name} {leaf.name} {leaf.keywords}"}
                    for leaf in leaves
                ]
            else:
                options = [{"id": mid.pk, "label": mid.display_name, "search": f"{label} {mid.keywords}"}]
            groups.append({"label": label, "options": options})
    return groups


# ---------------------------------------------------------------------------
# The inbox filters
# ---------------------------------------------------------------------------


class CaseFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100, widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Words from the title, content or reply")}))
    state = forms.ChoiceField(label=_("State"), required=False)
    type = forms.ChoiceField(label=_("Type"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    unit = forms.ChoiceField(label=_("Handling unit"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    received_from = forms.DateField(label=_("Received from"), required=False, widget=DateInput())
    received_to = forms.DateField(label=_("Received until"), required=False, widget=DateInput())
    overdue = forms.ChoiceField(label=_("Deadline"), required=False, choices=[("", _("Any")), ("yes", _("Overdue")), ("no", _("Not overdue"))])
    order = forms.ChoiceField(label=_("Sort"), required=False, choices=[("deadline", _("By deadline")), ("newest", _("Newest first"))])

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("Any")), ("open", _("All open cases")), *State.choices]
        self.fields["type"].choices = [("", _("Any")), *CaseType.choices]
        self.fields["channel"].choices = [("", _("Any")), *Channel.choices]
        self.fields["category"].choices = [("", _("Any")), *category_choices()]
        units = visible_units(user).filter(is_active=True).exclude(parent__isnull=True).order_by("path")
        self.fields["unit"].choices = [("", _("Any")), *unit_choices(units)]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("received_from"), data.get("received_to")
        if start and end and start > end:
            self.add_error("received_to", _("The end date is before the start date."))
        return data

    def to_filter(self) -> Any:
        """The selectors' CaseFilter for the cleaned data."""
        from cases.selectors import CaseFilter

        data = self.cleaned_data
        state = data.get("state") or ""
        overdue = {"yes": True, "no": False}.get(data.get("overdue") or "")
        return CaseFilter(
            states=[state] if state and state != "open" else [],
            open_only=state == "open",
            type=data.get("type") or "",
            category=int(data["category"]) if data.get("category") else None,
            unit=int(data["unit"]) if data.get("unit") else None,
            channel=data.get("channel") or "",
            received_from=data.get("received_from"),
            received_to=data.get("received_to"),
            overdue=overdue,
            q=(data.get("q") or "").strip(),
        )


# ---------------------------------------------------------------------------
# Registration
# ---------------------------------------------------------------------------


class RegisterForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), initial=Channel.VISIT)
    type = forms.ChoiceField(label=_("Type"), choices=CaseType.choices, initial=CaseType.COMPLAINT, widget=forms.Select(attrs={"data-case-type": "1"}))
    urgent = forms.BooleanField(label=_("Urgent"), required=False)
    title = forms.CharField(label=_("Title"), max_length=200, widget=forms.TextInput(attrs={"autofocus": True, "data-autofocus": "1", "autocomplete": "off"}))
    content = forms.CharField(
        label=_("Content"),
        max_length=CONTENT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What happened, where, since when, and what the complainant asks for. Ctrl+Enter registers the case."),
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    town = forms.ChoiceField(label=_("Town / street"), required=False)
    latitude = forms.DecimalField(label=_("Latitude"), required=False, max_digits=9, decimal_places=6, min_value=-90, max_value=90)
    longitude = forms.DecimalField(label=_("Longitude"), required=False, max_digits=9, decimal_places=6, min_value=-180, max_value=180)
    anonymous = forms.BooleanField(label=_("Anonymous"), required=False)
    joint = forms.BooleanField(label=_("Joint complaint (several people)"), required=False)
    head_count = forms.IntegerField(label=_("Number of people"), required=False, min_value=1, max_value=100_000)
    accused_unit = forms.ChoiceField(label=_("Accused unit"), required=False, help_text=_("The accused unit never sees this case."))
    received_at = forms.DateTimeField(label=_("Received at"), required=False, widget=DateTimeInput(), help_text=_("Leave empty for now."))
    attachments = MultipleFileField(label=_("Attachments"), help_text=_("Images, PDF, Office documents or audio."))
    materials = MultipleFileField(label=_("Accusation materials"), help_text=_("Evidence of an accusation: never shown to the accused unit."))
    idempotency_key = forms.CharField(widget=forms.HiddenInput(), required=False, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [c for c in Channel.choices if c[0] not in (Channel.WEB, Channel.OPEN311, Channel.IMPORTED)]
        # cached until a category or unit changes (cases.choice_cache): no query per request
        choices = register_choices()
        for name in ("category", "town", "accused_unit"):
            self.fields[name].choices = ready_choices(choices, name)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)

    def clean_received_at(self) -> dt.datetime | None:
        value = self.cleaned_data.get("received_at")
        if value is not None and value > timezone.now() + dt.timedelta(minutes=5):
            raise forms.ValidationError(_("The time of receipt cannot be in the future."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("accused_unit") and data.get("type") != CaseType.ACCUSATION:
            self.add_error("accused_unit", _("Only an accusation names an accused unit."))
        if data.get("materials") and data.get("type") != CaseType.ACCUSATION:
            self.add_error("materials", _("Only an accusation has protected materials."))
        return data


class ComplainantForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=60, required=False, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False, widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    id_number = forms.CharField(label=_("ID number"), max_length=30, required=False, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    is_representative = forms.BooleanField(label=_("Representative"), required=False)

    def clean_phone(self) -> str:
        # The register service checks this too; checking here shows every error in one round.
        phone = (self.cleaned_data.get("phone") or "").strip()
        if phone and not PHONE_RE.match(phone):
            raise forms.ValidationError(_("“%(value)s” is not a phone number.") % {"value": phone})
        return phone

    def clean_id_number(self) -> str:
        value = (self.cleaned_data.get("id_number") or "").strip().upper()
        if value and not ID_NUMBER_RE.match(value):
            raise forms.ValidationError(_("An ID number has 15 or 18 characters (digits, the last may be X)."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        others = any(data.get(f) for f in ("phone", "id_number", "address"))
        if others and not (data.get("name") or "").strip():
            self.add_error("name", _("Give the complainant's name."))
        return data

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {}) or {}
        return not any((data.get(f) or "") for f in ("name", "phone", "id_number", "address"))


ComplainantFormSet = forms.formset_factory(ComplainantForm, extra=0, min_num=1, max_num=50, can_delete=True, validate_max=True)


# ---------------------------------------------------------------------------
# Actions on a case (one small form per action; each carries the case version)
# ---------------------------------------------------------------------------


class ActionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput())

    def __init__(self, *args: Any, case: Case, user: User, **kwargs: Any) -> None:
        self.case = case
        self.user = user
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("version", case.version)

    def service_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of the service call, besides actor, case and expected_version."""
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


def _area(rows: int = 3, **attrs: Any) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, **attrs})


class AcceptForm(ActionForm):
    note = forms.CharField(label=_("Note"), required=False, max_length=TEXT_MAX, widget=_area(2))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.case.final_match_id:
            self.fields["note"].required = True
            self.fields["note"].help_text = _("This matter was finished after re-review; say why it is accepted as a new matter.")


class ReasonForm(ActionForm):
    reason = forms.CharField(label=_("Reason"), max_length=TEXT_MAX, widget=_area())


class OptionalReasonForm(ActionForm):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=TEXT_MAX, widget=_area(2))


class NoteForm(ActionForm):
    note = forms.CharField(label=_("Note"), required=False, max_length=TEXT_MAX, widget=_area(2))


class RedirectForm(ActionForm):
    channel = forms.ChoiceField(label=_("Redirect to"), choices=RedirectChannel.choices)
    reason = forms.CharField(label=_("Explanation for the complainant"), required=False, max_length=TEXT_MAX, widget=_area(2))


class AssignForm(ActionForm):
    units = forms.MultipleChoiceField(label=_("Units"), help_text=_("One unit, or several that share the case."), widget=forms.SelectMultiple(attrs={"size": 8}))
    lead = forms.ChoiceField(label=_("Lead unit"), required=False, help_text=_("With several units: the one that answers for the case."))
    instructions = forms.CharField(label=_("Instructions"), required=False, max_length=TEXT_MAX, widget=_area(2))
    due_date = forms.DateField(label=_("Earlier deadline"), required=False, widget=DateInput(), help_text=_("Optional; not later than the statutory one."))

    def __init__(self, *args: Any, suggested: Unit | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = Unit.objects.filter(is_active=True, parent__isnull=False).order_by("path")
        choices = unit_choices(units)
        self.fields["units"].choices = choices
        self.fields["lead"].choices = [("", _("The first unit chosen")), *choices]
        if suggested is not None and not self.is_bound:
            self.initial.setdefault("units", [str(suggested.pk)])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        lead, units = data.get("lead"), data.get("units") or []
        if lead and units and lead not in units:
            self.add_error("lead", _("The lead unit must be one of the assigned units."))
        return data

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "units": [int(u) for u in data["units"]],
            "lead": int(data["lead"]) if data.get("lead") else None,
            "instructions": data.get("instructions") or "",
            "due_date": data.get("due_date"),
        }


class ReceiveForm(ActionForm):
    pass


class AddNoteForm(ActionForm):
    text = forms.CharField(label=_("Note"), max_length=CONTENT_MAX, widget=_area(4), help_text=_("Internal: never shown to the complainant."))
    contact = forms.BooleanField(label=_("This records the first contact with the complainant"), required=False)


class MeetingForm(ActionForm):
    held_at = forms.DateTimeField(label=_("When"), widget=DateTimeInput())
    place = forms.CharField(label=_("Where"), max_length=200)
    participants = forms.CharField(label=_("Who took part"), max_length=300)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=CONTENT_MAX, widget=_area())


class ExtensionForm(ActionForm):
    days = forms.IntegerField(label=_("Days"), min_value=1, max_value=365)
    reason = forms.CharField(label=_("Reason"), max_length=TEXT_MAX, widget=_area(), help_text=_("The complainant is told this reason if the extension is approved."))


class DecideExtensionForm(ActionForm):
    approve = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("yes", _("Approve")), ("no", _("Refuse"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=TEXT_MAX, widget=_area(2), help_text=_("Required when refusing."))


class DraftReplyForm(ActionForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices, widget=forms.RadioSelect)
    text = forms.CharField(label=_("Reply text"), max_length=CONTENT_MAX, widget=_area(8))
    assistance_needed = forms.BooleanField(label=_("The complainant is in hardship: refer for assistance"), required=False)
    assistance_what = forms.CharField(label=_("What help"), required=False, max_length=300, widget=forms.TextInput(attrs={"data-depends-on": "id_assistance_needed"}))
    assistance_by = forms.CharField(label=_("Help given by"), required=False, max_length=200, widget=forms.TextInput(attrs={"data-depends-on": "id_assistance_needed"}))
    assistance_when = forms.DateField(label=_("Help given on"), required=False, widget=DateInput(attrs={"data-depends-on": "id_assistance_needed"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            reply = CaseReply.objects.filter(case=self.case).first()
            if reply is not None:
                for name in ("outcome", "text", "assistance_needed", "assistance_what", "assistance_by", "assistance_when"):
                    self.initial.setdefault(name, getattr(reply, name))

    def service_kwargs(self) -> dict[str, Any]:
        # The form has two buttons: "submit for approval" (submit=true, also what Enter and
        # Ctrl+Enter send) and "save as draft" (submit=false).
        return {**super().service_kwargs(), "submit": self.data.get("submit", "true") != "false"}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("assistance_needed"):
            if not (data.get("assistance_what") or "").strip():
                self.add_error("assistance_what", _("Say what help is given."))
            if not (data.get("assistance_by") or "").strip():
                self.add_error("assistance_by", _("Say who gives the help."))
        return data


class NotifyForm(ActionForm):
    via = forms.ChoiceField(label=_("Issued via"), choices=ContactChannel.choices, initial=ContactChannel.PHONE)


class FollowUpForm(ActionForm):
    resolved = forms.TypedChoiceField(
        label=_("Resolved?"),
        choices=[("yes", _("Resolved")), ("no", _("Not resolved"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    satisfaction = forms.ChoiceField(label=_("Satisfaction"), required=False, choices=[("", _("Did not rate")), *Satisfaction.choices])
    comment = forms.CharField(label=_("Comment"), required=False, max_length=TEXT_MAX, widget=_area(2))
    channel = forms.ChoiceField(label=_("Contacted via"), choices=ContactChannel.choices, initial=ContactChannel.PHONE)


class ReviewForm(ActionForm):
    reason = forms.CharField(label=_("The complainant's request"), max_length=CONTENT_MAX, widget=_area(4))
    received_at = forms.DateTimeField(label=_("Request received at"), required=False, widget=DateTimeInput(), help_text=_("Leave empty for now."))


class LinkForm(ActionForm):
    other = forms.CharField(label=_("Case number"), max_length=20, widget=forms.TextInput(attrs={"placeholder": "2026-000123"}))
    kind = forms.ChoiceField(label=_("Link"), choices=[(CaseLink.Kind.RELATED, CaseLink.Kind.RELATED.label), (CaseLink.Kind.DUPLICATE_OF, CaseLink.Kind.DUPLICATE_OF.label)])

    def clean_other(self) -> Case:
        from cases.access import cases_for_user

        number = self.cleaned_data["other"].strip()
        other = cases_for_user(self.user).filter(number=number).first()
        if other is None:
            raise forms.ValidationError(_("No such case."))
        return other


class AttachmentForm(ActionForm):
    upload = forms.FileField(label=_("File"), help_text=_("Images, PDF, Office documents or audio."))
    description = forms.CharField(label=_("Description"), required=False, max_length=200)
    is_material = forms.BooleanField(label=_("Accusation material (never shown to the accused unit)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.case.type != CaseType.ACCUSATION:
            del self.fields["is_material"]

    def service_kwargs(self) -> dict[str, Any]:
        upload = self.cleaned_data["upload"]
        return {
            "upload": upload,
            "name": upload.name,
            "description": self.cleaned_data.get("description") or "",
            "is_material": bool(self.cleaned_data.get("is_material")),
        }


class RevealForm(forms.Form):
    reason = forms.CharField(label=_("Why you need to see it"), required=False, max_length=300)


#: action key -> form class. The key names the service ``case_<key>``.
ACTION_FORMS: dict[str, type[ActionForm]] = {
    "accept": AcceptForm,
    "not_accept": ReasonForm,
    "redirect": RedirectForm,
    "assign": AssignForm,
    "receive": ReceiveForm,
    "object": ReasonForm,
    "add_note": AddNoteForm,
    "record_meeting": MeetingForm,
    "request_extension": ExtensionForm,
    "decide_extension": DecideExtensionForm,
    "draft_reply": DraftReplyForm,
    "approve_reply": NoteForm,
    "return_reply": ReasonForm,
    "notify_complainant": NotifyForm,
    "record_followup": FollowUpForm,
    "close": NoteForm,
    "request_review": ReviewForm,
    "request_rereview": ReviewForm,
    "withdraw": OptionalReasonForm,
    "link": LinkForm,
    "add_attachment": AttachmentForm,
}

#: Levels for the header badge.
LEVEL_BADGE = {Level.ORIGINAL: "secondary", Level.REVIEW: "info", Level.REREVIEW: "dark"}
