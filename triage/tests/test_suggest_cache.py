"""suggest() reads rules, categories and the model version from a per-process copy
(triage/cache.py): no query once warm, and an administrator's change is used at once."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.testing import District
from cases.models import Category
from triage import cache as triage_cache
from triage import services
from triage.models import ClassifierVersion, TriageRule
from triage.tests.helpers import decided_cases

pytestmark = pytest.mark.django_db

WAGES = ("瑞丰服装厂拖欠工资", "瑞丰服装厂已经拖欠我们四个月工资了，老板总说没钱，请劳动部门帮忙讨要。")
FUMES = ("翠湖苑楼下饭店油烟直排", "翠湖苑楼下川味小馆的油烟每天熏得家里不能开窗，老人咳嗽，请督促安装净化设备。")


@pytest.fixture
def trained(d: District) -> ClassifierVersion:
    decided_cases(d, ["air-fumes", "water-outage", "wages-arrears"], per_category=10)
    return services.classifier_train(actor=d.admin, seed=1)


def codes(result: services.SuggestionResult) -> list[str]:
    return [i.category.code for i in result.items]


def test_a_warm_suggestion_makes_no_query_and_a_cold_one_a_few(d: District, trained: ClassifierVersion) -> None:
    TriageRule.objects.create(kind=TriageRule.Kind.PLACE, pattern="翠湖苑", town=d.town_a)
    with CaptureQueriesContext(connection) as cold:
        first = services.suggest(title=WAGES[0], content=WAGES[1], log_it=False)
    assert first.items and first.items[0].source == "model" and first.version == trained
    assert len(cold.captured_queries) <= 4  # categories, rules, towns, model version
    with CaptureQueriesContext(connection) as warm:
        again = services.suggest(title=FUMES[0], content=FUMES[1], log_it=False)
        services.suggest(title=WAGES[0], content=WAGES[1], log_it=False)
    assert warm.captured_queries == []
    assert again.items[0].category.code == "air-fumes" and again.town == d.town_a
    # with the officer's pending log row: only the log's own queries
    services.suggest(title=WAGES[0], content=WAGES[1], user=d.intake)
    with CaptureQueriesContext(connection) as logged:
        services.suggest(title=WAGES[0], content=WAGES[1] + "。", user=d.intake)
    assert len(logged.captured_queries) <= 5  # savepoint, the pending row, its update
    assert all("triage_triagerule" not in q["sql"] and "cases_category" not in q["sql"] for q in logged.captured_queries)


def test_an_edited_rule_is_used_by_the_next_suggestion(d: District, trained: ClassifierVersion) -> None:
    gas = Category.objects.get(code="gas-leak")
    assert "gas-leak" not in codes(services.suggest(title=FUMES[0], content=FUMES[1], log_it=False))
    rule = TriageRule.objects.create(kind=TriageRule.Kind.KEYWORD, pattern="排烟管道", category=gas, priority=10)
    assert "gas-leak" not in codes(services.suggest(title=FUMES[0], content=FUMES[1], log_it=False))
    rule.pattern = "油烟"
    rule.save()
    result = services.suggest(title=FUMES[0], content=FUMES[1], log_it=False)
    assert result.items[0].category == gas and result.items[0].source == "rule"
    rule.unit = d.housing
    rule.save()
    assert services.suggest(title=FUMES[0], content=FUMES[1], log_it=False).items[0].unit == d.housing
    rule.is_active = False
    rule.save()
    assert "gas-leak" not in codes(services.suggest(title=FUMES[0], content=FUMES[1], log_it=False))
    rule.is_active = True
    rule.save()
    rule.delete()
    assert "gas-leak" not in codes(services.suggest(title=FUMES[0], content=FUMES[1], log_it=False))


def test_a_retired_category_is_no_longer_suggested(d: District, trained: ClassifierVersion) -> None:
    assert codes(services.suggest(title=WAGES[0], content=WAGES[1], log_it=False))[0] == "wages-arrears"
    wages = Category.objects.get(code="wages-arrears")
    wages.is_active = False
    wages.save()
    assert "wages-arrears" not in codes(services.suggest(title=WAGES[0], content=WAGES[1], log_it=False))
    wages.is_active = True
    wages.save()
    assert codes(services.suggest(title=WAGES[0], content=WAGES[1], log_it=False))[0] == "wages-arrears"


def test_a_new_default_unit_and_a_renamed_category_are_used_at_once(d: District, trained: ClassifierVersion) -> None:
    first = services.suggest(title=WAGES[0], content=WAGES[1], log_it=False).items[0]
    assert first.unit != d.housing
    parent = Category.objects.get(pk=first.category.parent_id)
    parent.default_unit = d.housing
    parent.name_en = "Wages and pay"
    parent.save()
    again = services.suggest(title=WAGES[0], content=WAGES[1], log_it=False).items[0]
    assert again.unit == d.housing and again.path.endswith(" › Wages and pay › " + again.category.display_name)


def test_predictions_follow_a_model_rollback(d: District, trained: ClassifierVersion) -> None:
    assert services.suggest(title=WAGES[0], content=WAGES[1], log_it=False).version == trained
    decided_cases(d, ["noise-business"], per_category=10, seed=2)
    v2 = services.classifier_train(actor=d.admin, seed=1, activate=True)
    after = services.suggest(title=WAGES[0], content=WAGES[1], log_it=False)
    assert after.version == v2 and "Model v2" in after.items[0].reason
    services.classifier_rollback(actor=d.admin)
    back = services.suggest(title=WAGES[0], content=WAGES[1], log_it=False)
    assert back.version == trained and "Model v1" in back.items[0].reason
    services.classifier_activate(actor=d.admin, version=v2)
    assert services.suggest(title=WAGES[0], content=WAGES[1], log_it=False).version == v2


def test_a_copy_built_in_a_transaction_that_is_rolled_back_is_not_kept(d: District, trained: ClassifierVersion) -> None:
    gas = Category.objects.get(code="gas-leak")
    services.suggest(title=FUMES[0], content=FUMES[1], log_it=False)
    with pytest.raises(RuntimeError), transaction.atomic():
        TriageRule.objects.create(kind=TriageRule.Kind.KEYWORD, pattern="油烟", category=gas, priority=10)
        assert codes(services.suggest(title=FUMES[0], content=FUMES[1], log_it=False))[0] == "gas-leak"
        raise RuntimeError
    assert "gas-leak" not in codes(services.suggest(title=FUMES[0], content=FUMES[1], log_it=False))


def test_a_change_committed_by_another_process_is_seen_through_the_shared_token(
    d: District, trained: ClassifierVersion, django_capture_on_commit_callbacks
) -> None:  # noqa: ANN001
    services.suggest(title=WAGES[0], content=WAGES[1], log_it=False)
    token = cache.get(triage_cache.KEY)
    # this process's own writes change the shared token when they commit
    wages = Category.objects.get(code="wages-arrears")
    with django_capture_on_commit_callbacks(execute=True):
        wages.sort_order += 1
        wages.save()
    assert cache.get(triage_cache.KEY) not in (None, token)
    assert codes(services.suggest(title=WAGES[0], content=WAGES[1], log_it=False))[0] == "wages-arrears"
    # another worker retires the category (no signal here) and commits: new token
    Category.objects.filter(code="wages-arrears").update(is_active=False)
    assert codes(services.suggest(title=WAGES[0], content=WAGES[1], log_it=False))[0] == "wages-arrears"  # not told yet
    cache.set(triage_cache.KEY, "other-worker-commit", None)
    assert "wages-arrears" not in codes(services.suggest(title=WAGES[0], content=WAGES[1], log_it=False))


def test_without_the_shared_cache_suggestions_are_still_right(d: District, trained: ClassifierVersion, settings) -> None:  # noqa: ANN001
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    services.suggest(title=WAGES[0], content=WAGES[1], log_it=False)
    Category.objects.filter(code="wages-arrears").update(is_active=False)
    assert "wages-arrears" not in codes(services.suggest(title=WAGES[0], content=WAGES[1], log_it=False))
