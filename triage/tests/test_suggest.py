"""Routing suggestions: rules, model, cold start, bad input, unusable model file, the log."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from accounts.testing import District
from cases.models import Category
from notifications.models import Notification
from triage import runtime, services
from triage.models import ClassifierVersion, SuggestionLog, TriageRule
from triage.tests.helpers import decided_cases, new_case

pytestmark = pytest.mark.django_db

FUMES = ("翠湖苑楼下饭店油烟直排", "翠湖苑楼下川味小馆的油烟每天熏得家里不能开窗，老人咳嗽，请督促安装净化设备。")
WAGES = ("瑞丰服装厂拖欠工资", "瑞丰服装厂已经拖欠我们四个月工资了，老板总说没钱，请劳动部门帮忙讨要。")


@pytest.fixture
def trained(d: District) -> ClassifierVersion:
    decided_cases(d, ["air-fumes", "water-outage", "wages-arrears"], per_category=10)
    return services.classifier_train(actor=d.admin, seed=1)


def test_it_suggests_from_the_model_with_confidence_unit_and_reason(d: District, trained: ClassifierVersion) -> None:
    housing = d.housing
    Category.objects.filter(code="wages").update(default_unit=housing)
    result = services.suggest(title=WAGES[0], content=WAGES[1], user=d.intake)
    assert result.status == "ok" and 1 <= len(result.items) <= 3
    first = result.items[0]
    assert first.category.code == "wages-arrears" and first.source == "model" and first.confidence >= 0.5
    assert all(first.confidence >= other.confidence for other in result.items[1:] if other.source == "model")
    assert "拖欠" in first.reason or "工资" in first.reason
    assert first.unit == housing  # the parent category's default unit
    assert result.version == trained


def test_it_lets_an_administrator_rule_win_over_the_model(d: District, trained: ClassifierVersion) -> None:
    gas = Category.objects.get(code="gas-leak")
    TriageRule.objects.create(kind=TriageRule.Kind.KEYWORD, pattern="油烟，排烟管道", category=gas, unit=d.housing, priority=10)
    model_only = trained  # the model alone says "air-fumes"
    result = services.suggest(title=FUMES[0], content=FUMES[1], user=d.intake)
    assert model_only is not None
    assert [i.source for i in result.items][:2] == ["rule", "model"]
    assert result.items[0].category == gas and result.items[0].unit == d.housing and result.items[0].confidence == 1.0
    assert "油烟" in result.items[0].reason
    assert result.items[1].category.code == "air-fumes"


def test_it_matches_a_pattern_rule_and_a_place_name(d: District) -> None:
    gas = Category.objects.get(code="gas-leak")
    TriageRule.objects.create(kind=TriageRule.Kind.REGEX, pattern=r"煤气|燃气.{0,4}(味|泄漏)", category=gas)
    TriageRule.objects.create(kind=TriageRule.Kind.PLACE, pattern="青山菜市场 青山湖公园", town=d.town_a)
    result = services.suggest(title="青山菜市场旁边有燃气泄漏的味道", content="闻到很浓的燃气味，担心出事。")
    assert result.items[0].category == gas and result.items[0].source == "rule"
    assert result.town == d.town_a and "青山菜市场" in result.town_reason


def test_it_works_on_rules_alone_without_a_model(d: District) -> None:
    assert not ClassifierVersion.objects.exists()
    result = services.suggest(title="小区电梯又坏了", content="3栋电梯经常停运，上周还困人，请督促维保。")
    assert result.status == "ok" and result.version is None
    assert result.items[0].category.code == "housing-elevator" and result.items[0].source == "keywords"
    assert "电梯" in result.items[0].reason


@pytest.mark.parametrize(
    ("title", "content", "status"),
    [("", "", "empty"), ("路", "", "too_short"), ("Broken street light", "The light outside no. 5 has been off for weeks.", "foreign")],
)
def test_it_gives_no_suggestion_for_bad_input_and_says_so(
    d: District, trained: ClassifierVersion, title: str, content: str, status: str
) -> None:
    result = services.suggest(title=title, content=content, user=d.intake)
    assert result.items == [] and result.status == status and result.message
    assert not SuggestionLog.objects.exists()


def retire(*codes: str) -> None:
    """An administrator retires categories (saved one by one, as the category editor does)."""
    for cat in Category.objects.filter(code__in=codes):
        cat.is_active = False
        cat.save()


def test_it_never_suggests_a_category_that_is_no_longer_in_use(d: District, trained: ClassifierVersion) -> None:
    retire("wages-arrears")
    result = services.suggest(title=WAGES[0], content=WAGES[1], user=d.intake)
    assert all(i.category.code != "wages-arrears" for i in result.items)
    retire("air-fumes", "water-outage")
    # no keyword matches either: nothing left to suggest, and it says why
    result = services.suggest(title="车间主任扣发了我的奖金", content="车间主任扣发我三个月的奖金不给说法。", user=d.intake)
    assert result.items == [] and result.status == "inactive" and result.message


def test_it_falls_back_to_rules_and_warns_the_administrators_when_the_model_file_is_corrupt(
    d: District, trained: ClassifierVersion
) -> None:
    path = runtime.model_path(trained)
    blob = bytearray(path.read_bytes())
    blob[-5] ^= 0xFF
    path.write_bytes(bytes(blob))
    runtime.forget()
    result = services.suggest(title="小区电梯又坏了", content="3栋电梯经常停运，上周还困人。", user=d.intake)
    assert result.warning and result.version is None
    assert all(i.source != "model" for i in result.items) and result.items[0].category.code == "housing-elevator"
    warned = Notification.objects.filter(user=d.admin, level=Notification.Level.ESCALATION)
    assert warned.count() == 1 and "v1" in warned.get().title
    services.suggest(title="小区电梯又坏了", content="3栋电梯经常停运，上周还困人。", user=d.intake)
    assert warned.count() == 1  # once a day, not on every keystroke


def test_it_falls_back_to_rules_when_the_model_file_is_missing(d: District, trained: ClassifierVersion) -> None:
    Path(runtime.model_path(trained)).unlink()
    runtime.forget()
    result = services.suggest(title=FUMES[0], content=FUMES[1], user=d.intake)
    assert result.warning and all(i.source != "model" for i in result.items)


def test_it_records_whether_the_suggestion_was_accepted_or_overridden(
    d: District, trained: ClassifierVersion, django_capture_on_commit_callbacks
) -> None:  # noqa: ANN001
    services.suggest(title=WAGES[0], content="已经", user=d.intake)
    services.suggest(title=WAGES[0], content=WAGES[1], user=d.intake)
    assert SuggestionLog.objects.count() == 1  # one pending row per user, kept up to date
    with django_capture_on_commit_callbacks(execute=True):
        new_case(d, WAGES[0], WAGES[1], category="wages-arrears")
    # (the training cases, registered without their after-commit hooks, were still queued:
    # the drain kept a suggestion for each of them too)
    row = SuggestionLog.objects.get(user=d.intake)
    assert row.outcome == SuggestionLog.Outcome.ACCEPTED and row.chosen_rank == 1 and row.case is not None
    services.suggest(title=FUMES[0], content=FUMES[1], user=d.intake)
    with django_capture_on_commit_callbacks(execute=True):
        new_case(d, FUMES[0], FUMES[1], category="municipal-road")
    second = SuggestionLog.objects.order_by("-id").first()
    assert second is not None and second.outcome == SuggestionLog.Outcome.OVERRIDDEN and second.chosen_rank == 0
    from triage.selectors import suggestion_acceptance

    rate = suggestion_acceptance()
    assert (rate.accepted, rate.overridden, rate.rate, rate.top1_rate) == (1, 1, 0.5, 0.5)


def test_it_answers_the_registration_form_with_apply_buttons(d: District, trained: ClassifierVersion, client_for) -> None:  # noqa: ANN001
    client: Client = client_for("intake")
    response = client.post("/triage/suggest/", {"title": WAGES[0], "content": WAGES[1], "town": str(d.town_b.pk)}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    wages = Category.objects.get(code="wages-arrears")
    assert f'data-apply-suggestion data-field="id_category" data-value="{wages.pk}"' in html
    assert 'data-testid="apply-category-1"' in html and "拖欠" in html


def test_it_says_why_there_is_no_suggestion_on_the_form(d: District, client_for) -> None:  # noqa: ANN001
    html = client_for("intake").post("/triage/suggest/", {"title": "Hello", "content": "Nothing in Chinese here at all."}).content.decode()
    assert 'data-status="foreign"' in html and 'data-testid="no-suggestion"' in html


@pytest.mark.parametrize("persona", ["officer", "leader", "followup"])
def test_it_refuses_suggestions_to_staff_who_do_not_register_cases(d: District, client_for, persona: str) -> None:  # noqa: ANN001
    assert client_for(persona).post("/triage/suggest/", {"title": WAGES[0], "content": WAGES[1]}).status_code == 403


def test_it_sends_anonymous_visitors_to_sign_in(d: District) -> None:
    response = Client().post("/triage/suggest/", {"title": WAGES[0]})
    assert response.status_code == 302 and "/login" in response["Location"]


def test_it_refuses_a_model_file_written_by_an_older_version_of_the_code(d: District, trained: ClassifierVersion) -> None:
    from lib.triage.store import save

    model = runtime.load_version(trained)
    model.format = 1
    trained.sha256 = save(runtime.model_path(trained), model, key=runtime.model_key())
    trained.save(update_fields=["sha256"])
    runtime.forget()
    result = services.suggest(title=WAGES[0], content=WAGES[1], user=d.intake)
    assert result.warning and all(i.source != "model" for i in result.items)


def test_it_never_suggests_a_category_that_no_longer_exists(d: District, trained: ClassifierVersion) -> None:
    """A category deleted after the model was trained (the model still knows its id)."""
    from cases.models import Case

    Case.objects.filter(category__code="wages-arrears").delete()
    Category.objects.filter(code="wages-arrears").delete()
    result = services.suggest(title=WAGES[0], content=WAGES[1], user=d.intake)
    assert all(i.category.code != "wages-arrears" for i in result.items)
    assert result.warning == ""  # the model itself is fine


def test_it_warns_the_administrators_when_the_model_file_is_missing(d: District, trained: ClassifierVersion) -> None:
    Path(runtime.model_path(trained)).unlink()
    runtime.forget()
    result = services.suggest(title="小区电梯又坏了", content="3栋电梯经常停运，上周还困人。", user=d.intake)
    assert result.items and result.items[0].source == "keywords" and result.version is None
    warned = Notification.objects.filter(user=d.admin, level=Notification.Level.ESCALATION)
    assert warned.count() == 1 and "v1" in warned.get().title
    assert not Notification.objects.filter(user=d.intake, level=Notification.Level.ESCALATION).exists()


@pytest.mark.parametrize(("title", "content", "status"), [("", "", "empty"), ("路", "", "too_short")])
def test_it_says_why_there_is_no_suggestion_for_empty_or_one_character_text_on_the_form(
    d: District, client_for, title: str, content: str, status: str
) -> None:  # noqa: ANN001
    html = client_for("intake").post("/triage/suggest/", {"title": title, "content": content}).content.decode()
    assert f'data-status="{status}"' in html and 'data-testid="no-suggestion"' in html and "apply-category-1" not in html
