"""A routing suggestion is kept for every new case, whatever the door (portal, Open311, REST,
import, staff form), shown on the case page with its reasons, applied with one click,
settled when the case is accepted, and never breaks intake."""

from __future__ import annotations

import json
import logging
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from accounts.testing import District
from audit.models import AuditEntry
from cases import services as cs
from cases.models import Case, CaseEvent, CaseType, Category, Channel, State
from triage import services
from triage.models import ClassifierVersion, SuggestionLog, TriageRule
from triage.selectors import suggestion_acceptance
from triage.tests.helpers import decided_cases

pytestmark = pytest.mark.django_db

WAGES = ("瑞丰服装厂拖欠工资", "瑞丰服装厂已经拖欠我们四个月工资了，老板总说没钱，请劳动部门帮忙讨要。")
LIFT = ("小区电梯又坏了", "幸福里小区3栋电梯经常停运，上周还困人，请督促维保单位尽快修好。")


@pytest.fixture(autouse=True)
def _media_and_cache(tmp_path, settings) -> None:  # noqa: ANN001
    settings.MEDIA_ROOT = tmp_path / "files"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def trained(d: District) -> ClassifierVersion:
    decided_cases(d, ["air-fumes", "water-outage", "wages-arrears"], per_category=10)
    return services.classifier_train(actor=d.admin, seed=1)


def kept(case: Case) -> SuggestionLog:
    return SuggestionLog.objects.get(case=case)


def test_it_keeps_a_suggestion_for_a_portal_submission(d: District, trained: ClassifierVersion, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    from portal.testing import en_client

    form = {"type": "complaint", "category": "", "title": WAGES[0], "description": WAGES[1], "address": "瑞丰服装厂"}
    form.update({"name": "王小明", "phone": "13812345678", "email": "", "consent": "on", "token": "t-portal"})
    with django_capture_on_commit_callbacks(execute=True):
        response = en_client().post("/portal/submit/", form)
    assert response.status_code == 302, response.content.decode()[:500]
    case = Case.objects.get(channel=Channel.WEB)
    row = kept(case)
    assert row.source == services.REGISTRATION_SOURCE and row.outcome == SuggestionLog.Outcome.PENDING
    assert row.top_category is not None and row.top_category.code == "wages-arrears"
    assert row.suggestions[0]["reason"] and row.version == trained


def test_it_keeps_a_suggestion_for_an_open311_request(d: District, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    from open311.services import open311_key_issue

    _client, key = open311_key_issue(actor=None, name="测试")
    body = urlencode(
        {
            "service_code": "municipal-road",
            "description": LIFT[1],
            "lat": "30.2741",
            "long": "120.1551",
            "phone": "13912345678",
            "api_key": key,
        }
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post("/open311/v2/requests.json", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code in (200, 201), response.content.decode()[:500]
    case = Case.objects.get(channel=Channel.OPEN311)
    row = kept(case)
    # no model: the categories' own keywords answer, with the words that matched
    assert row.top_category.code == "housing-elevator" and row.suggestions[0]["source"] == "keywords"
    assert "电梯" in row.suggestions[0]["reason"]


def test_it_keeps_a_suggestion_for_a_case_registered_through_the_rest_api(d: District, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    from accounts.services import api_token_issue

    _token, secret = api_token_issue(actor=None, user=d.intake, name="tests")
    payload = {"channel": "phone", "type": "complaint", "title": LIFT[0], "content": LIFT[1], "complainants": [], "anonymous": True}
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/cases", json.dumps(payload), content_type="application/json")
    assert response.status_code == 201, response.content
    case = Case.objects.get(number=response.json()["number"])
    assert kept(case).top_category.code == "housing-elevator"


def test_it_keeps_a_suggestion_for_an_imported_case_and_a_staff_form_without_suggestions(
    d: District, django_capture_on_commit_callbacks
) -> None:  # noqa: ANN001
    rule_cat = Category.objects.get(code="gas-leak")
    TriageRule.objects.create(kind=TriageRule.Kind.KEYWORD, pattern="燃气", category=rule_cat, unit=d.housing)
    with django_capture_on_commit_callbacks(execute=True):
        imported = cs.case_register(
            actor=d.intake,
            channel=Channel.IMPORTED,
            type=CaseType.COMPLAINT,
            title="楼道有燃气味",
            content="幸福里小区2栋楼道里闻到很浓的燃气味，担心泄漏。",
            anonymous=True,
        )
    row = kept(imported)
    assert row.top_category == rule_cat and row.top_unit == d.housing and row.from_rule
    # a staff registration whose officer never looked at suggestions gets one kept too
    with django_capture_on_commit_callbacks(execute=True):
        staff = cs.case_register(
            actor=d.intake, channel=Channel.PHONE, type=CaseType.COMPLAINT, title=LIFT[0], content=LIFT[1], anonymous=True
        )
    assert kept(staff).top_category.code == "housing-elevator"


def test_it_says_why_there_is_no_suggestion_for_a_case_in_another_language(
    d: District, client_for, django_capture_on_commit_callbacks
) -> None:  # noqa: ANN001
    with django_capture_on_commit_callbacks(execute=True):
        case = cs.case_register(
            actor=None,
            channel=Channel.WEB,
            type=CaseType.COMPLAINT,
            title="Broken street light",
            content="The light outside number 5 has been off for weeks.",
            anonymous=True,
        )
    row = kept(case)
    assert row.outcome == SuggestionLog.Outcome.NONE and row.status == "foreign" and row.suggestions == []
    html = client_for("intake").get(f"/triage/cases/{case.number}/suggestion/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="no-suggestion"' in html and 'data-status="foreign"' in html


def test_it_never_breaks_intake_when_triage_fails(d: District, monkeypatch, caplog, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    def broken(**kwargs: object) -> None:
        raise RuntimeError("triage is down")

    monkeypatch.setattr(services, "suggest", broken)
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        case = cs.case_register(actor=None, channel=Channel.WEB, type=CaseType.COMPLAINT, title=LIFT[0], content=LIFT[1], anonymous=True)
    assert Case.objects.filter(pk=case.pk, state=State.REGISTERED).exists()
    assert not SuggestionLog.objects.filter(case=case).exists()
    assert any("suggestion_for_case" in r.getMessage() for r in caplog.records)


def register_lift(d: District, django_capture_on_commit_callbacks, **kw: object) -> Case:  # noqa: ANN001
    with django_capture_on_commit_callbacks(execute=True):
        return cs.case_register(
            actor=None, channel=Channel.WEB, type=CaseType.COMPLAINT, title=LIFT[0], content=LIFT[1], anonymous=True, **kw
        )


def test_it_shows_the_kept_suggestion_on_the_case_page_and_applies_it_with_one_click(
    d: District, client_for, django_capture_on_commit_callbacks
) -> None:  # noqa: ANN001
    case = register_lift(d, django_capture_on_commit_callbacks)
    client = client_for("intake")
    page = client.get(case.get_absolute_url()).content.decode()
    assert f"/triage/cases/{case.number}/suggestion/" in page  # the #case-extras hook
    html = client.get(f"/triage/cases/{case.number}/suggestion/").content.decode()
    assert 'data-testid="apply-suggestion-1"' in html and "电梯" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/triage/cases/{case.number}/suggestion/apply/", {"rank": "1", "version": str(case.version)}, HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 200 and response["HX-Refresh"] == "true"
    case.refresh_from_db()
    assert case.category.code == "housing-elevator" and case.state == State.REGISTERED
    row = kept(case)
    assert row.outcome == SuggestionLog.Outcome.ACCEPTED and row.chosen_rank == 1
    assert AuditEntry.objects.filter(action="case.apply_suggestion", object_id=str(case.pk)).count() == 1
    note = CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.NOTE).get()
    assert not note.public and "电梯" in note.text
    # accepting afterwards keeps the outcome; the figure counts it
    with django_capture_on_commit_callbacks(execute=True):
        cs.case_accept(actor=d.intake, case=case, expected_version=case.version)
    assert kept(case).outcome == SuggestionLog.Outcome.ACCEPTED
    assert suggestion_acceptance().accepted == 1
    # decided: the panel says so and offers no button
    html = client.get(f"/triage/cases/{case.number}/suggestion/").content.decode()
    assert 'data-testid="suggestion-outcome"' in html and "apply-suggestion-1" not in html


def test_it_counts_a_case_accepted_with_another_category_as_overridden(d: District, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    case = register_lift(d, django_capture_on_commit_callbacks, category="municipal-road")
    assert kept(case).outcome == SuggestionLog.Outcome.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        cs.case_accept(actor=d.intake, case=case, expected_version=case.version)
    row = kept(case)
    assert row.outcome == SuggestionLog.Outcome.OVERRIDDEN and row.chosen_category.code == "municipal-road"
    rate = suggestion_acceptance()
    assert (rate.accepted, rate.overridden, rate.rate) == (0, 1, 0.0)


def test_it_refuses_to_apply_a_suggestion_when_it_should_not(d: District, client_for, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    case = register_lift(d, django_capture_on_commit_callbacks)
    url = f"/triage/cases/{case.number}/suggestion/apply/"
    # staff who do not register cases
    assert client_for("leader").post(url, {"rank": "1"}).status_code == 403
    # no such suggestion
    response = client_for("intake").post(url, {"rank": "7"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422 and "本案件没有这一项推荐" in response.content.decode()
    # a category retired since
    Category.objects.filter(code="housing-elevator").update(is_active=False)
    with translation.override("en"), pytest.raises(ValidationError, match="no longer in use"):
        services.suggestion_apply(actor=d.intake, case=case, rank=1, expected_version=None)
    Category.objects.filter(code="housing-elevator").update(is_active=True)
    # once decided
    case = cs.case_accept(actor=d.intake, case=case, expected_version=case.version)
    with translation.override("en"), pytest.raises(ValidationError, match="still to be decided"):
        services.suggestion_apply(actor=d.intake, case=case, rank=1, expected_version=None)
    case.refresh_from_db()
    assert case.category is None
    assert not AuditEntry.objects.filter(action="case.apply_suggestion").exists()


def test_it_sets_the_suggested_town_with_the_category_when_the_case_has_none(d: District, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    TriageRule.objects.create(kind=TriageRule.Kind.PLACE, pattern="幸福里小区", town=d.town_a)
    case = register_lift(d, django_capture_on_commit_callbacks)
    assert kept(case).town == d.town_a
    case = services.suggestion_apply(actor=d.intake, case=case, rank=1, expected_version=case.version)
    case.refresh_from_db()
    assert case.town == d.town_a and case.category.code == "housing-elevator"


def test_the_assign_form_proposes_the_unit_of_the_applied_suggestion(d: District, client_for, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    from cases.tests.helpers import fresh

    # a rule routes lift complaints to the town (not the category's default unit)
    lift = Category.objects.get(code="housing-elevator")
    TriageRule.objects.create(kind=TriageRule.Kind.KEYWORD, pattern="电梯", category=lift, unit=d.town_b, priority=10)
    case = register_lift(d, django_capture_on_commit_callbacks)
    assert kept(case).suggestions[0]["unit"] == d.town_b.pk
    intake = client_for("intake")
    response = intake.post(f"/triage/cases/{case.number}/suggestion/apply/", {"rank": "1", "version": str(case.version)})
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        cs.case_accept(actor=d.intake, case=fresh(case), expected_version=fresh(case).version)
    form = intake.get(f"/cases/{case.number}/act/assign/", HTTP_HX_REQUEST="true").content.decode()
    assert f'<option value="{d.town_b.pk}" selected' in form
    # once the category is changed by hand, the suggestion no longer speaks for the unit
    other = Category.objects.filter(level=3, is_active=True).exclude(pk=lift.pk).exclude(default_unit=d.town_b).first()
    Case.objects.filter(pk=case.pk).update(category=other)
    form = intake.get(f"/cases/{case.number}/act/assign/", HTTP_HX_REQUEST="true").content.decode()
    assert f'<option value="{d.town_b.pk}" selected' not in form


def test_the_case_page_says_a_new_case_s_suggestion_is_being_prepared_and_asks_again(d: District, client_for) -> None:  # noqa: ANN001
    # registered, its after-commit wake-up not run yet: the case waits in the batch job's queue
    case = cs.case_register(actor=None, channel=Channel.WEB, type=CaseType.COMPLAINT, title=LIFT[0], content=LIFT[1], anonymous=True)
    client = client_for("intake")
    url = f"/triage/cases/{case.number}/suggestion/"
    html = client.get(url).content.decode()
    assert 'data-testid="suggestion-pending"' in html and "正在生成" in html
    assert f'hx-get="{url}?try=1"' in html and 'hx-trigger="load delay:1s"' in html
    # after ten tries it stops asking and says to reload later
    html = client.get(url + "?try=10").content.decode()
    assert "一分钟后刷新" in html and "hx-get" not in html
    # the batch job runs: the next answer is the suggestion, with no more asking
    assert services.index_and_suggest_new() == 1
    html = client.get(url + "?try=3").content.decode()
    assert 'data-testid="apply-suggestion-1"' in html and "suggestion-pending" not in html and "hx-get" not in html.split("<ol")[0]
