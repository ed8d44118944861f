"""The hotspot job: clusters by topic, place and time, idempotent; the dashboard partial and pages."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from accounts.testing import District
from cases.models import Case
from notifications.models import Notification
from triage import services
from triage.models import Hotspot, HotspotRun
from triage.selectors import top_hotspots
from triage.tasks import hotspots_daily
from triage.tests.helpers import new_case

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 16, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
SITE = [
    ("金桥大道地铁工地夜间施工扰民", "金桥大道地铁站工地每天夜里施工到凌晨，打桩机声音很大，周边居民无法休息，请查处夜间施工。"),
    ("金桥大道地铁施工半夜打桩", "半夜两点金桥大道地铁工地还在打桩，噪音震得窗户响，已经连续一周，请管一管夜间施工。"),
    ("投诉金桥大道工地夜间施工噪音", "金桥大道地铁工地夜间施工噪音扰民，打桩机和渣土车通宵作业，孩子第二天还要上学。"),
]
OTHERS = [
    ("路灯不亮", "滨河路从东门到西门一段路灯不亮已经半个月。"),
    ("垃圾桶满了没人清", "春晖苑垃圾站三天没有清运，气味很大。"),
    ("公交车间隔太长", "12路公交车早高峰二十分钟才一班。"),
    ("学校乱收资料费", "育才小学要求每个学生交两百元资料费。"),
    ("医保报销太慢", "住院费用报销三个月还没有到账。"),
]


def _make(d: District) -> None:
    for day in range(7):
        for k in range(2 if day < 6 else 0):
            title, content = SITE[(day + k) % 3]
            with time_machine.travel(NOW - dt.timedelta(days=7 - day, hours=k), tick=False):
                new_case(d, title, content, category="site-night", town=d.town_b, received_at=timezone.now())
    with time_machine.travel(NOW - dt.timedelta(days=10), tick=False):
        new_case(d, SITE[0][0], SITE[0][1], category="site-night", town=d.town_b, received_at=timezone.now())
    for i, (title, content) in enumerate(OTHERS):
        with time_machine.travel(NOW - dt.timedelta(days=i + 1), tick=False):
            new_case(d, title, content, town=d.town_a, received_at=timezone.now())


def test_it_ranks_a_growing_cluster_by_topic_place_and_time(d: District) -> None:
    _make(d)
    with time_machine.travel(NOW, tick=False):
        run = services.hotspots_compute(days=7)
    assert (run.period_start, run.period_end) == (dt.date(2026, 3, 9), dt.date(2026, 3, 16))
    hot = list(run.hotspots.all())
    assert len(hot) == 1
    h = hot[0]
    assert h.size == 12 and h.previous == 1 and h.town == d.town_b and h.category and h.category.code == "construction"
    assert "金桥大道" in h.title and h.growth == 11.0
    assert sorted(h.case_ids) == sorted(
        Case.objects.filter(title__contains="金桥大道", received_at__gte=NOW.replace(day=9, hour=0)).values_list("pk", flat=True)
    )


def test_it_is_idempotent(d: District, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    _make(d)
    with time_machine.travel(NOW, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            hotspots_daily()
        first = list(Hotspot.objects.values_list("rank", "key", "size", "previous", "title", "case_ids"))
        notes = Notification.objects.count()
        with django_capture_on_commit_callbacks(execute=True):
            hotspots_daily()
    assert HotspotRun.objects.count() == 1
    assert list(Hotspot.objects.values_list("rank", "key", "size", "previous", "title", "case_ids")) == first
    assert Notification.objects.count() == notes > 0  # the rising hotspot is told once


def test_it_shows_hotspots_on_the_dashboard_partial_and_pages(d: District, client_for) -> None:  # noqa: ANN001
    _make(d)
    with time_machine.travel(NOW, tick=False):
        services.hotspots_compute(days=7, notify_leaders=False)
    h = top_hotspots()[0]
    client = client_for("leader")
    html = client.get("/triage/hotspots/?partial=1").content.decode()
    assert 'data-testid="triage-hotspots"' in html and f'data-hotspot="{h.pk}"' in html and "<html" not in html
    page = client.get("/triage/hotspots/").content.decode()
    assert "<html" in page and "金桥大道" in page
    detail = client.get(f"/triage/hotspots/{h.pk}/").content.decode()
    assert detail.count('href="/cases/') >= 12 and "/hazards/from-case/" in detail


def test_it_turns_a_hotspot_into_a_central_assignment(d: District, client_for) -> None:  # noqa: ANN001
    from cases import services as cs

    _make(d)
    for case in Case.objects.filter(title__contains="金桥大道"):
        case = cs.case_accept(actor=d.intake, case=case, expected_version=case.version)
        cs.case_assign(actor=d.intake, case=case, expected_version=case.version, units=[d.town_b])
    with time_machine.travel(NOW, tick=False):
        services.hotspots_compute(days=7, notify_leaders=False)
    h = top_hotspots()[0]
    response = client_for("leader").post(
        f"/triage/hotspots/{h.pk}/", {"deadline": (timezone.localdate() + dt.timedelta(days=10)).isoformat(), "note": "集中交办"}
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert "/duty/batches/" in response["Location"]
    from duty.models import CentralBatch

    assert CentralBatch.objects.get().items.count() == 12


@pytest.mark.parametrize("persona", ["officer", "dept_officer"])
def test_it_refuses_hotspots_to_unit_staff(d: District, client_for, persona: str) -> None:  # noqa: ANN001
    _make(d)
    with time_machine.travel(NOW, tick=False):
        services.hotspots_compute(days=7, notify_leaders=False)
    h = top_hotspots()[0]
    client = client_for(persona)
    assert client.get("/triage/hotspots/").status_code == 403
    assert client.get(f"/triage/hotspots/{h.pk}/").status_code == 404
