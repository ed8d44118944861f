from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from insights.models import InsightsSettings


class InsightsSettingsForm(forms.ModelForm):
    class Meta:
        model = InsightsSettings
        fields = ["count_basically_satisfied", "brief_enabled", "brief_time", "brief_due_days", "rising_min_count", "rising_ratio"]
        widgets = {"brief_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}


class RateTargetForm(forms.Form):
    target = forms.DecimalField(
        label=pgettext_lazy("insights", "Target (%)"), min_value=Decimal(0), max_value=Decimal(100), decimal_places=2
    )
    shown = forms.BooleanField(label=pgettext_lazy("insights", "Shown on the dashboard"), required=False)
    note = forms.CharField(label=pgettext_lazy("insights", "Note"), max_length=200, required=False)


class TownPlaceForm(forms.Form):
    latitude = forms.DecimalField(
        label=_("Latitude"), required=False, min_value=Decimal(-90), max_value=Decimal(90), decimal_places=6, max_digits=9
    )
    longitude = forms.DecimalField(
        label=_("Longitude"), required=False, min_value=Decimal(-180), max_value=Decimal(180), decimal_places=6, max_digits=9
    )
