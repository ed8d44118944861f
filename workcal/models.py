from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    """An exception to the weekday rule: a public holiday on a weekday (is_workday=False)
    or a make-up working day on a weekend (is_workday=True). Days without a row follow
    the rule: Monday to Friday on, Saturday and Sunday off."""

    class Source(models.TextChoices):
        SEED = "seed", _("Seeded from the holidays package")
        ADMIN = "admin", _("Set by an administrator")

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.SEED)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar exception")
        verbose_name_plural = _("working-day calendar")

    def __str__(self) -> str:
        return f"{self.date} {'workday' if self.is_workday else 'day off'}"
