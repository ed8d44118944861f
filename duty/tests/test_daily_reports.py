from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.testing import District
from duty import selectors, services
from duty.models import DailyReport, DutySettings
from duty.tests.conftest import DAY, at
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def file_report(district: District, user=None, unit=None, day: dt.date = DAY, **kw: object) -> DailyReport:  # noqa: ANN001
    params: dict[str, object] = {"situation": "辖区总体平稳，无重大突发事件。"}
    params.update(kw)
    return services.daily_report_submit(actor=user or district.officer, unit=unit or district.town_a, date=day, **params)  # type: ignore[arg-type]


@pytest.mark.parametrize(("hour", "minute", "second", "late"), [(14, 59, 0, False), (15, 0, 0, False), (15, 1, 0, True)])
def test_it_stamps_reports_after_15_00_late(district: District, hour: int, minute: int, second: int, late: bool) -> None:
    with time_machine.travel(at(2026, 12, 1, hour, minute, second), tick=False):
        report = file_report(district)
    assert report.is_late is late
    assert report.due_at == at(2026, 12, 1, 15, 0)


def test_it_keeps_the_first_stamp_when_a_report_is_corrected(district: District) -> None:
    with time_machine.travel(at(2026, 12, 1, 14, 0), tick=False):
        first = file_report(district)
    with time_machine.travel(at(2026, 12, 1, 16, 0), tick=False):
        again = file_report(district, nothing_to_report=True, situation="")
    assert again.pk == first.pk and again.is_late is False and again.nothing_to_report
    assert again.submitted_at == at(2026, 12, 1, 14, 0)
    assert DailyReport.objects.count() == 1


def test_it_refuses_a_report_for_another_unit_or_a_future_day(district: District) -> None:
    with time_machine.travel(at(2026, 12, 1, 10, 0), tick=False):
        with pytest.raises(PermissionDenied):
            file_report(district, user=district.officer2, unit=district.town_a)
        with pytest.raises(PermissionDenied):
            file_report(district, user=district.supervisor, unit=district.town_a)
        with pytest.raises(ValidationError, match="未来"):
            file_report(district, day=DAY + dt.timedelta(days=1))
        with pytest.raises(ValidationError):
            file_report(district, situation="")
        with pytest.raises(ValidationError):
            file_report(district, nothing_to_report=True, help_needed="请求支援")
    assert DailyReport.objects.count() == 0


def test_it_lists_the_missing_units_to_the_duty_office_at_the_deadline(district: District) -> None:
    with time_machine.travel(at(2026, 12, 1, 13, 0), tick=False):
        file_report(district)  # town A on time
        file_report(district, user=district.dept_officer, unit=district.housing)
        assert services.daily_reports_sweep() == 0
    with time_machine.travel(at(2026, 12, 1, 14, 30), tick=False):
        services.daily_reports_sweep()
        assert Notification.objects.filter(user=district.officer2, level="reminder").count() == 1
        assert not Notification.objects.filter(user=district.duty, title__contains="missed").exists()
    with time_machine.travel(at(2026, 12, 1, 14, 59), tick=False):
        assert selectors.missing_units(DAY, at(2026, 12, 1, 14, 59)) == []
    with time_machine.travel(at(2026, 12, 1, 15, 0, 1), tick=False):
        services.daily_reports_sweep()
        listing = Notification.objects.get(user=district.duty, dedupe_key="duty:daily:2026-12-01:missing:1500")
        assert district.town_b.name in listing.body and district.town_a.name not in listing.body and district.housing.name not in listing.body
        assert Notification.objects.filter(user=district.officer2, level="escalation").count() == 1
        assert services.daily_reports_sweep() == 0  # idempotent
        missing = {u.pk for u in selectors.missing_units(DAY, at(2026, 12, 1, 15, 0, 1))}
        assert district.town_b.pk in missing and district.town_a.pk not in missing
    with time_machine.travel(at(2026, 12, 1, 15, 30), tick=False):
        late = file_report(district, user=district.officer2, unit=district.town_b)
        assert late.is_late
        rows = {r.unit.pk: r.state for r in selectors.daily_summary(DAY)}
        assert rows[district.town_a.pk] == "on_time" and rows[district.town_b.pk] == "late"


def test_it_uses_a_special_periods_deadline_and_units(district: District) -> None:
    with time_machine.travel(at(2026, 11, 30, 9, 0), tick=False):
        services.special_period_create(
            actor=district.duty, name="元旦特护期", start_date=DAY, end_date=DAY + dt.timedelta(days=3), units=[district.town_a], report_due_time=dt.time(12, 0)
        )
    services.duty_settings_update(actor=district.admin, ordinary_days=DutySettings.OrdinaryDays.NONE)
    saturday = dt.date(2026, 12, 5)
    rule = selectors.day_rule(DAY)
    assert rule.required == {district.town_a.pk}
    assert rule.due_at[district.town_a.pk] == at(2026, 12, 1, 12, 0)
    assert rule.due_at[district.town_b.pk] == at(2026, 12, 1, 15, 0)
    assert selectors.day_rule(saturday).required == set()
    with time_machine.travel(at(2026, 12, 1, 12, 30), tick=False):
        assert file_report(district).is_late
        services.daily_reports_sweep()
        assert not Notification.objects.filter(user=district.officer2, dedupe_key__startswith="duty:daily").exists()


def test_it_requires_reports_on_working_days_by_default(district: District) -> None:
    saturday = dt.date(2026, 12, 5)
    assert district.town_a.pk in selectors.day_rule(DAY).required
    assert selectors.day_rule(saturday).required == set()
    services.duty_settings_update(actor=district.duty, ordinary_days=DutySettings.OrdinaryDays.EVERY_DAY, report_due_time=dt.time(16, 30))
    assert district.town_a.pk in selectors.day_rule(saturday).required
    assert selectors.day_rule(saturday).due_at[district.town_a.pk] == at(2026, 12, 5, 16, 30)
    with pytest.raises(PermissionDenied):
        services.duty_settings_update(actor=district.officer, report_due_time=dt.time(10, 0))


def test_it_files_through_the_page_and_shows_the_summary(district: District, client_for) -> None:
    with time_machine.travel(at(2026, 12, 1, 15, 1), tick=False):
        officer = client_for("officer")
        assert officer.get("/duty/daily/").status_code == 200
        response = officer.post("/duty/daily/", {"situation": "平稳", "help_needed": "请求协调排水设备两台"})
        assert response.status_code == 302
        assert DailyReport.objects.get(unit=district.town_a).is_late
        assert Notification.objects.filter(user=district.duty, dedupe_key="duty:daily:2026-12-01:" + str(district.town_a.pk) + ":help").exists()
        assert officer.post("/duty/daily/?date=2026-12-02", {"situation": "x"}).status_code == 400
        summary = client_for("duty").get("/duty/daily/summary/?date=2026-12-01").content.decode()
        assert summary.count('data-testid="summary-row"') == 5  # every top-level unit but the duty office
        assert 'data-state="late"' in summary and 'data-state="missing"' in summary and "请求协调排水设备两台" in summary


def test_it_refuses_the_summary_and_the_form_to_the_wrong_people(district: District, client_for) -> None:
    assert client_for("officer").get("/duty/daily/summary/").status_code == 403
    assert client_for("officer").get("/duty/daily/summary/export.xlsx").status_code == 403
    assert client_for("supervisor").get("/duty/daily/").status_code == 403
    assert client_for("leader").get("/duty/daily/").status_code == 403


def test_it_exports_the_summary_to_excel_and_word(district: District, client_for) -> None:
    from docx import Document
    from openpyxl import load_workbook

    with time_machine.travel(at(2026, 12, 1, 16, 0), tick=False):
        file_report(district, situation="=HYPERLINK(\"http://x\")", incidents="东街口发生一起电动车起火，已扑灭")
        duty = client_for("duty")
        xlsx = duty.get("/duty/daily/summary/export.xlsx?date=2026-12-01")
        assert xlsx.status_code == 200
        ws = load_workbook(io.BytesIO(xlsx.content)).active
        values = [[c.value for c in row] for row in ws.iter_rows()]
        town_a = next(r for r in values if r[0] == district.town_a.name)
        assert town_a[5].startswith("总体情况")
        assert not any(isinstance(v, str) and v.startswith("=") for row in values for v in row)
        assert next(r for r in values if r[0] == district.town_b.name)[3] in ("Missing", "未报")
        docx = duty.get("/duty/daily/summary/export.docx?date=2026-12-01")
        doc = Document(io.BytesIO(docx.content))
        text = "\n".join(p.text for p in doc.paragraphs) + "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
        assert "电动车起火" in text and district.town_b.name in text
