"""The ledger pages: filters, search, key-based pagination, Excel export, dashboard and map."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from accounts.testing import District
from hazards import selectors, services
from hazards.models import Grade, Hazard
from hazards.tests.conftest import category, photo_file

pytestmark = pytest.mark.django_db


def numbers(html: str) -> list[str]:
    return re.findall(r'data-testid="hazard-link">([^<]+)<', html)


def test_it_filters_the_ledger_by_category_grade_and_search(district: District, client_for, make_hazard) -> None:  # noqa: ANN001
    fire = make_hazard(title="楼道堆放杂物")
    gas = make_hazard(category=category("gas"), title="饭店燃气软管老化", description="软管龟裂")
    major = make_hazard(grade=Grade.MAJOR, category=category("chemicals"), title="仓库超量储存", description="甲类仓库", plan=True)
    c = client_for("officer")
    assert set(numbers(c.get("/hazards/").content.decode())) == {fire.number, gas.number, major.number}
    assert numbers(c.get("/hazards/?category=gas").content.decode()) == [gas.number]
    assert numbers(c.get("/hazards/?grade=major").content.decode()) == [major.number]
    assert numbers(c.get("/hazards/?q=软管").content.decode()) == [gas.number]
    assert numbers(c.get(f"/hazards/?q={fire.number}").content.decode()) == [fire.number]
    partial = c.get("/hazards/?category=gas", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and gas.number in partial


def test_it_pages_by_key_without_gaps_or_repeats(district: District, client_for, make_hazard, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(selectors, "PAGE_SIZE", 4)
    made = [make_hazard(title=f"隐患{i}", found_on=timezone.localdate() - dt.timedelta(days=i % 3)) for i in range(10)]
    c = client_for("officer")
    for sort in ("-id", "deadline", "-found_on"):
        seen: list[str] = []
        url = f"/hazards/?sort={sort}"
        while url:
            html = c.get(url).content.decode()
            seen += numbers(html)
            m = re.search(r'href="(\?[^"]*after=[^"]*)" data-testid="next-page"', html)
            url = "/hazards/" + m.group(1).replace("&amp;", "&") if m else ""
        assert sorted(seen) == sorted(h.number for h in made), sort
        assert len(seen) == len(set(seen))


def test_it_lists_with_a_constant_number_of_queries(district: District, client_for, make_hazard) -> None:  # noqa: ANN001
    c = client_for("officer")
    make_hazard()
    c.get("/hazards/")  # the session's first request also refreshes the session: not a cost of the rows
    with CaptureQueriesContext(connection) as few:
        c.get("/hazards/")
    for i in range(12):
        make_hazard(title=f"隐患{i}", category=category(["fire", "gas", "road"][i % 3]))
    with CaptureQueriesContext(connection) as many:
        c.get("/hazards/")
    assert len(many) == len(few)


def test_it_exports_the_filtered_ledger_to_excel_and_neutralises_formulas(district: District, client_for, make_hazard) -> None:  # noqa: ANN001
    make_hazard(title="=HYPERLINK(\"http://evil\")", description="@SUM(1)")
    make_hazard(category=category("gas"), title="燃气")
    response = client_for("officer").get("/hazards/export.xlsx?category=fire")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    ws = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows) == 2  # header + the fire hazard only
    assert rows[1][1] == "'=HYPERLINK(\"http://evil\")" and rows[1][8] == "'@SUM(1)"
    assert rows[1][2] == "消防"


def test_it_shows_the_hazard_page_with_timeline_plan_and_photos(district: District, client_for, make_hazard) -> None:  # noqa: ANN001
    h = make_hazard(grade=Grade.MAJOR, plan=True, photos=[photo_file()])
    html = client_for("officer").get(f"/hazards/{h.number}/").content.decode()
    assert h.number in html and "拆除违章搭建" in html and 'data-testid="timeline"' in html
    photo_id = h.photos.get().file_id
    assert f"/hazards/photos/{photo_id}/" in html
    img = client_for("officer").get(f"/hazards/photos/{photo_id}/")
    assert img.status_code == 200 and img["Content-Type"] == "image/png"
    assert client_for("officer2").get(f"/hazards/photos/{photo_id}/").status_code == 404


@time_machine.travel(dt.datetime(2026, 4, 1, 2, tzinfo=dt.UTC), tick=False)
def test_it_shows_dashboard_figures_that_equal_their_drill_down_lists(district: District, client_for, make_hazard) -> None:  # noqa: ANN001
    overdue = make_hazard(found_on=dt.date(2026, 3, 2))  # due 9 March
    make_hazard(found_on=dt.date(2026, 3, 30), category=category("gas"))
    late = make_hazard(found_on=dt.date(2026, 3, 2), title="逾期后整改")
    ontime = make_hazard(found_on=dt.date(2026, 3, 30), title="按期整改")
    make_hazard(grade=Grade.MAJOR, plan=True, category=category("chemicals"))
    services.hazard_report_rectified(actor=district.officer, hazard=late, note="已整改", photos=[photo_file()])
    services.hazard_report_rectified(actor=district.officer, hazard=ontime, note="已整改", photos=[photo_file()])
    services.hazard_list_supervision(actor=district.supervisor, hazard=overdue, level="district", listed_on=dt.date(2026, 3, 20))
    c = client_for("supervisor")
    html = c.get("/hazards/dashboard/").content.decode()
    figures = dict(re.findall(r'href="([^"]+)" data-testid="figure-[a-z_]+(?:-den)?" data-value="(\d+)"', html))
    assert len(figures) >= 6
    for url, value in figures.items():
        listed = c.get(url.replace("&amp;", "&")).content.decode()
        count = re.search(r'data-testid="ledger-count">(\d+)', listed)
        assert count and count.group(1) == value, (url, value)
    totals = selectors.dashboard_figures(district.supervisor, selectors.LedgerFilter())["totals"]
    assert (totals["total"], totals["overdue"], totals["rectified"], totals["ontime"], totals["due"], totals["major_open"], totals["listed"]) == (5, 1, 2, 1, 3, 1, 1)
    assert totals["ontime_rate"] == 33.3 and totals["rectification_rate"] == 40.0


def test_it_maps_open_hazards_with_coordinates_and_no_tiles_by_default(district: District, client_for, make_hazard, settings) -> None:  # noqa: ANN001
    settings.MAP_TILE_URL = ""
    from decimal import Decimal

    h = make_hazard(latitude=Decimal("30.55"), longitude=Decimal("114.30"))
    make_hazard(title="无坐标")
    html = client_for("officer").get("/hazards/map/").content.decode()
    assert h.number in html and '"tileUrl": ""' in html
    assert "/static/vendor/leaflet/leaflet.js" in html and "cdn" not in html.lower()


def test_it_corrects_details_through_the_page(district: District, client_for, make_hazard) -> None:  # noqa: ANN001
    h = make_hazard()
    c = client_for("officer")
    data = {"title": "新标题", "description": h.description, "address": h.address, "responsible_person": "李", "responsible_phone": ""}
    assert c.post(f"/hazards/{h.number}/edit/", data).status_code == 302
    assert Hazard.objects.get(pk=h.pk).title == "新标题"
