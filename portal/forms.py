from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cases.models import CaseType, Category, Satisfaction
from outbox.services import normalise_phone
from portal.services import DESCRIPTION_MAX, PUBLIC_TYPES, normalise_code

MAX_PHOTOS = 5
PHOTO_MAX_MB = 10


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        if len(files) > MAX_PHOTOS:
            raise ValidationError(_("At most %(n)d photos.") % {"n": MAX_PHOTOS})
        for f in files:
            if f.size > PHOTO_MAX_MB * 1024 * 1024:
                raise ValidationError(_("“%(name)s” is larger than %(mb)d MB.") % {"name": f.name, "mb": PHOTO_MAX_MB})
        return files


def category_choices() -> list[tuple[str, Any]]:
    """Leaf categories grouped under "level 1 · level 2"."""
    leaves = (
        Category.objects.filter(is_active=True, children__isnull=True)
        .select_related("parent", "parent__parent")
        .order_by("parent__parent__sort_order", "parent__sort_order", "sort_order", "code")
    )
    groups: dict[str, list[tuple[str, str]]] = {}
    for c in leaves:
        names = [p.display_name for p in (c.parent.parent if c.parent_id and c.parent.parent_id else None, c.parent) if p is not None]
        groups.setdefault(" · ".join(names) or str(_("Other")), []).append((c.code, c.display_name))
    return [("", _("Not sure — staff will choose"))] + [(label, items) for label, items in groups.items()]


class SubmitForm(forms.Form):
    type = forms.ChoiceField(label=_("What kind of matter is it?"), choices=[(t.value, t.label) for t in PUBLIC_TYPES], initial=CaseType.COMPLAINT)
    category = forms.ChoiceField(label=_("Category"), required=False)
    title = forms.CharField(label=_("In one sentence"), max_length=60, required=False, help_text=_("Optional; we take the first line of the description otherwise."))
    description = forms.CharField(
        label=_("Describe the matter"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What happened, where and since when, and what you ask for. At most 4,000 characters."),
    )
    address = forms.CharField(label=_("Address or place"), max_length=200, required=False)
    latitude = forms.DecimalField(label=_("Latitude"), required=False, max_digits=9, decimal_places=6, min_value=-90, max_value=90)
    longitude = forms.DecimalField(label=_("Longitude"), required=False, max_digits=9, decimal_places=6, min_value=-180, max_value=180)
    photos = PhotosField(label=_("Photos"), required=False, help_text=_("Up to 5 photos (JPEG, PNG, GIF or WebP), each at most 10 MB."))
    anonymous = forms.BooleanField(label=_("Submit anonymously"), required=False)
    name = forms.CharField(label=_("Your name"), max_length=60, required=False)
    phone = forms.CharField(label=_("Mobile phone"), max_length=30, required=False, help_text=_("We send your query code and the progress by SMS."))
    email = forms.EmailField(label=_("E-mail"), required=False)
    consent = forms.BooleanField(label=_("I have read the notice on personal data and agree."), error_messages={"required": _("Please read the notice and tick the box.")})
    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()
        if not self.is_bound:
            self.initial["token"] = uuid.uuid4().hex
        self.fields["description"].widget.attrs["maxlength"] = str(DESCRIPTION_MAX)
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["latitude"].widget.attrs.update({"step": "any", "inputmode": "decimal"})
        self.fields["longitude"].widget.attrs.update({"step": "any", "inputmode": "decimal"})
        self.fields["photos"].widget.attrs["accept"] = "image/jpeg,image/png,image/gif,image/webp"

    def clean_phone(self) -> str:
        phone = self.cleaned_data.get("phone", "").strip()
        return normalise_phone(phone) if phone else ""

    def clean_token(self) -> str:
        token = self.cleaned_data.get("token", "")
        return token if token.isalnum() and len(token) <= 40 else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("anonymous"):
            if not (data.get("name") or "").strip():
                self.add_error("name", _("Give your name, or choose to submit anonymously."))
            if not data.get("phone") and "phone" not in self.errors:
                self.add_error("phone", _("Give a mobile number so that the office can reach you."))
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            self.add_error("latitude", _("Give both latitude and longitude, or neither."))
        return data


class TrackForm(forms.Form):
    number = forms.CharField(label=_("Case number"), max_length=20, widget=forms.TextInput(attrs={"placeholder": "2026-000123", "inputmode": "numeric"}))
    code = forms.CharField(label=_("Query code"), max_length=20, widget=forms.TextInput(attrs={"placeholder": "ABCD-2345", "autocomplete": "off", "autocapitalize": "characters"}))

    def clean_code(self) -> str:
        code = normalise_code(self.cleaned_data.get("code", ""))
        if not code:
            raise ValidationError(_("Enter the query code."))
        return code


class RateForm(forms.Form):
    resolved = forms.TypedChoiceField(
        label=_("Was your problem resolved?"), choices=[("1", _("Resolved")), ("0", _("Not resolved"))], coerce=lambda v: v == "1", widget=forms.RadioSelect
    )
    satisfaction = forms.ChoiceField(label=_("How satisfied are you with the answer?"), choices=Satisfaction.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class ReviewForm(forms.Form):
    reason = forms.CharField(label=_("Why do you disagree with the answer?"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))


class WithdrawForm(forms.Form):
    confirm = forms.BooleanField(label=_("Yes, I withdraw my matter."), error_messages={"required": _("Tick the box to confirm.")})
    reason = forms.CharField(label=_("Reason (optional)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
