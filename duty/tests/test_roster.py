from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import Workbook, load_workbook

from accounts.testing import District
from duty import selectors, services
from duty.models import DutyShift
from duty.services import ShiftInput, roster_check_day
from duty.tests.conftest import DAY, at, full_day
from notifications.models import Notification

pytestmark = pytest.mark.django_db
H = dt.time(8, 30)


def shift(start: str, end: str, leader: str = "王建国", officer: str = "李海燕", phone: str = "010-61234567") -> ShiftInput:
    return ShiftInput(start=dt.time.fromisoformat(start), end=dt.time.fromisoformat(end), leader_name=leader, officer_name=officer, phone=phone)


def test_it_accepts_a_full_day_and_a_split_day() -> None:
    assert roster_check_day(DAY, full_day(), H) == []
    assert roster_check_day(DAY, [shift("08:30", "20:30"), shift("20:30", "08:30", leader="赵文斌")], H) == []
    assert roster_check_day(DAY, [shift("20:30", "08:30"), shift("08:30", "20:30")], H) == []


def test_it_finds_a_gap_in_the_24_hours() -> None:
    problems = roster_check_day(DAY, [shift("08:30", "18:00"), shift("20:30", "08:30")], H)
    assert len(problems) == 1 and "18:00" in problems[0] and "20:30" in problems[0]
    problems = roster_check_day(DAY, [shift("08:30", "20:30")], H)
    assert len(problems) == 1 and "2026-12-02 08:30" in problems[0]


def test_it_finds_two_leaders_on_one_shift() -> None:
    assert roster_check_day(DAY, [shift("08:30", "20:30"), shift("18:00", "08:30", leader="赵文斌")], H)
    problems = roster_check_day(DAY, full_day(leader="王建国、赵文斌"), H)
    assert len(problems) == 1 and "王建国、赵文斌" in problems[0]


def test_it_finds_missing_fields_and_bad_phones() -> None:
    problems = roster_check_day(DAY, full_day(officer="", phone="打电话"), H)
    assert len(problems) == 2


def test_it_saves_all_or_nothing(district: District) -> None:
    good = {DAY: full_day()}
    bad = {DAY + dt.timedelta(days=1): [shift("08:30", "12:00")]}
    with pytest.raises(ValidationError):
        services.roster_set_days(actor=district.officer, unit=district.town_a, days={**good, **bad})
    assert DutyShift.objects.count() == 0
    services.roster_set_days(actor=district.officer, unit=district.town_a, days=good)
    s = DutyShift.objects.get()
    assert s.starts_at == at(2026, 12, 1, 8, 30) and s.ends_at == at(2026, 12, 2, 8, 30)
    assert s.leader == district.head or s.leader is None  # matched by full name when it exists


def test_it_links_the_leaders_account_by_name(district: District) -> None:
    services.roster_set_days(actor=district.head, unit=district.town_a, days={DAY: full_day(leader=district.head.full_name)})
    assert DutyShift.objects.get().leader == district.head


def test_it_lets_only_the_unit_and_the_duty_office_edit(district: District) -> None:
    with pytest.raises(PermissionDenied):
        services.roster_set_days(actor=district.officer2, unit=district.town_a, days={DAY: full_day()})
    with pytest.raises(PermissionDenied):
        services.roster_set_days(actor=district.supervisor, unit=district.town_a, days={DAY: full_day()})
    services.roster_set_days(actor=district.duty, unit=district.town_a, days={DAY: full_day()})


def test_it_shows_who_is_on_duty_now(district: District, client_for) -> None:
    services.roster_set_days(
        actor=district.officer, unit=district.town_a, days={DAY: [shift("08:30", "20:30", leader="白班领导"), shift("20:30", "08:30", leader="夜班领导")]}
    )
    with time_machine.travel(at(2026, 12, 1, 22, 0), tick=False):
        now = dict(selectors.on_duty_now())
        assert now[district.town_a].leader_name == "夜班领导"
        assert now[district.town_b] is None
        page = client_for("duty").get("/duty/roster/").content.decode()
        assert "夜班领导" in page and "白班领导" not in page
    with time_machine.travel(at(2026, 12, 2, 8, 0), tick=False):
        assert dict(selectors.on_duty_now())[district.town_a].leader_name == "夜班领导"


def test_it_flags_units_with_no_roster_for_tomorrow(district: District) -> None:
    services.roster_set_days(actor=district.officer, unit=district.town_a, days={DAY + dt.timedelta(days=1): full_day()})
    with time_machine.travel(at(2026, 12, 1, 15, 0), tick=False):
        assert services.roster_check_tomorrow() == 0  # before the check time (16:00)
    with time_machine.travel(at(2026, 12, 1, 16, 0), tick=False):
        assert services.roster_check_tomorrow() > 0
        listing = Notification.objects.get(user=district.duty, dedupe_key="duty:roster:2026-12-02:missing")
        assert district.town_b.name in listing.body and district.town_a.name not in listing.body
        assert Notification.objects.filter(user=district.officer2, dedupe_key__startswith="duty:roster:").exists()
        assert not Notification.objects.filter(user=district.officer, dedupe_key__startswith="duty:roster:").exists()
        assert services.roster_check_tomorrow() == 0


def test_it_saves_a_month_on_one_screen(district: District, client_for) -> None:
    with time_machine.travel(at(2026, 12, 1, 10, 0), tick=False):
        officer = client_for("officer")
        page = officer.get("/duty/roster/qingshan/2026/12/")
        assert page.status_code == 200 and page.content.decode().count('name="leader"') == 31
        data = {"date": [], "start": [], "end": [], "leader": [], "officer": [], "phone": []}
        for d in range(1, 32):
            data["date"].append(f"2026-12-{d:02d}")
            data["start"].append("08:30")
            data["end"].append("08:30")
            data["leader"].append("王建国" if d % 2 else "赵文斌")
            data["officer"].append("李海燕")
            data["phone"].append("010-61234567")
        data["date"].append("2026-12-03")
        data["start"].append("20:30")
        data["end"].append("08:30")
        data["leader"].append("夜班")
        data["officer"].append("陈志强")
        data["phone"].append("010-61234568")
        response = officer.post("/duty/roster/qingshan/2026/12/", data)
        assert response.status_code == 400
        assert "2026-12-03" in response.content.decode()
        assert DutyShift.objects.count() == 0
        for k in data:
            data[k].pop()
        response = officer.post("/duty/roster/qingshan/2026/12/", data)
        assert response.status_code == 302
        assert DutyShift.objects.filter(unit=district.town_a).count() == 31


def test_it_refuses_roster_pages_to_other_units(district: District, client_for) -> None:
    assert client_for("officer2").get("/duty/roster/qingshan/2026/12/").status_code == 404
    assert client_for("officer2").post("/duty/roster/qingshan/import/").status_code == 404
    assert client_for("supervisor").post("/duty/roster/qingshan/2026/12/", {"date": []}).status_code == 403
    assert client_for("officer2").get("/duty/roster/qingshan/2026/12/export.xlsx").status_code == 404


def test_it_exports_and_imports_the_roster_in_excel(district: District, client_for) -> None:
    services.roster_set_days(actor=district.officer, unit=district.town_a, days={DAY: [shift("08:30", "20:30"), shift("20:30", "08:30", leader="夜班领导")]})
    officer = client_for("officer")
    exported = officer.get("/duty/roster/qingshan/2026/12/export.xlsx")
    assert exported.status_code == 200
    ws = load_workbook(io.BytesIO(exported.content)).active
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    assert rows[0] == ["2026-12-01", "08:30", "20:30", "王建国", "李海燕", "010-61234567"]
    assert rows[1][3] == "夜班领导" and len(rows) == 32  # 2 shifts + 30 empty days

    # change the night leader and fill 2 December, then import the sheet back
    ws.cell(row=3, column=4, value="夜班新领导")
    for col, value in enumerate(["2026-12-02", "", "", "赵文斌", "陈志强", "010-61234568"], start=1):
        ws.cell(row=4, column=col, value=value)
    out = io.BytesIO()
    ws.parent.save(out)
    out.seek(0)
    out.name = "roster.xlsx"
    response = officer.post("/duty/roster/qingshan/import/", {"file": out, "year": 2026, "month": 12})
    assert response.status_code == 302
    assert DutyShift.objects.filter(unit=district.town_a, duty_date=DAY, leader_name="夜班新领导").exists()
    assert DutyShift.objects.get(unit=district.town_a, duty_date=DAY + dt.timedelta(days=1)).leader_name == "赵文斌"


def test_it_refuses_a_whole_import_with_any_bad_row(district: District) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["日期", "开始", "结束", "带班领导", "值班人员", "值班电话"])
    ws.append(["2026-12-01", "08:30", "08:30", "王建国", "李海燕", "010-61234567"])
    ws.append(["2026-12-02", "08:30", "18:00", "赵文斌", "陈志强", "010-61234568"])
    ws.append(["明天", "08:30", "08:30", "赵文斌", "陈志强", "010-61234568"])
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    with pytest.raises(ValidationError) as exc:
        services.roster_import(actor=district.officer, unit=district.town_a, upload=out)
    messages = exc.value.messages
    assert any("4" in m and "明天" in m for m in messages)
    assert DutyShift.objects.count() == 0
