"""Routing model versions: training, determinism, activation, rollback, the models page and job."""

from __future__ import annotations

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.testing import District
from audit.models import AuditEntry
from triage import runtime, services
from triage.models import ClassifierVersion
from triage.tasks import retrain_if_changed
from triage.tests.helpers import decided_cases

pytestmark = pytest.mark.django_db

PROBES = ["翠湖苑楼下饭店油烟很大，熏得不能开窗", "公司三个月没发工资了", "小区昨天开始停水", "楼下酒吧音响太吵，凌晨还不停"]


def _proba(version: ClassifierVersion) -> np.ndarray:
    return runtime.load_version(version).predict_proba(PROBES)


def test_it_refuses_to_train_without_enough_decided_cases(d: District) -> None:
    decided_cases(d, ["air-fumes", "water-outage"], per_category=3)
    with pytest.raises(ValidationError, match="Not enough decided cases"):
        services.classifier_train(actor=d.admin)
    assert not ClassifierVersion.objects.exists()


def test_it_lets_only_administrators_train(d: District) -> None:
    with pytest.raises(PermissionDenied):
        services.classifier_train(actor=d.intake)


def test_it_retrains_deterministically_for_a_seed(d: District) -> None:
    decided_cases(d, ["air-fumes", "water-outage", "wages-arrears"], per_category=10)
    v1 = services.classifier_train(actor=d.admin, seed=7)
    v2 = services.classifier_train(actor=d.admin, seed=7)
    assert (v1.number, v2.number) == (1, 2)
    assert np.array_equal(_proba(v1), _proba(v2))
    assert v1.evaluation["confusion"] == v2.evaluation["confusion"] and v1.accuracy == v2.accuracy
    assert v1.sha256 != "" and v1.size_bytes > 0 and v1.trained_cases == 30
    assert AuditEntry.objects.filter(action="triage.classifier.train").count() == 2


def test_it_rolls_back_to_the_previous_versions_predictions(d: District) -> None:
    decided_cases(d, ["air-fumes", "water-outage", "wages-arrears"], per_category=10)
    v1 = services.classifier_train(actor=d.admin, seed=1)
    before = [services.suggest(title=t, content="").items[0].category.code for t in PROBES]
    decided_cases(d, ["noise-business"], per_category=10, seed=2)
    v2 = services.classifier_train(actor=d.admin, seed=1, activate=True)
    v2.refresh_from_db()
    assert v2.is_active and not ClassifierVersion.objects.get(pk=v1.pk).is_active
    after = [services.suggest(title=t, content="").items[0].category.code for t in PROBES]
    assert after[3] == "noise-business" and before[3] != "noise-business"
    restored = services.classifier_rollback(actor=d.admin)
    assert restored == v1
    again = [services.suggest(title=t, content="").items[0].category.code for t in PROBES]
    assert again == before
    assert AuditEntry.objects.filter(action="triage.classifier.activate").count() == 3
    with pytest.raises(ValidationError, match="no earlier version"):
        services.classifier_rollback(actor=d.admin)


def test_it_refuses_to_activate_a_version_whose_file_is_missing(d: District) -> None:
    decided_cases(d, ["air-fumes", "water-outage", "wages-arrears"], per_category=10)
    v1 = services.classifier_train(actor=d.admin)
    v2 = services.classifier_train(actor=d.admin)
    runtime.model_path(v1).unlink()
    runtime.forget()
    with pytest.raises(ValidationError, match="missing or corrupt"):
        services.classifier_activate(actor=d.admin, version=v1)
    assert ClassifierVersion.objects.get(is_active=True) == v2


def test_it_retrains_in_the_job_only_when_decided_cases_changed(d: District) -> None:
    assert retrain_if_changed() is None  # nothing to train on: rules alone
    decided_cases(d, ["air-fumes", "water-outage", "wages-arrears"], per_category=10)
    assert retrain_if_changed() == 1
    assert retrain_if_changed() is None
    decided_cases(d, ["wages-arrears"], per_category=2, seed=5)
    assert retrain_if_changed() == 2
    assert ClassifierVersion.objects.get(is_active=True).number == 2
    # a version written by an older release (another kind of model) is retrained
    ClassifierVersion.objects.filter(number=2).update(kind="char13+word12-nbsvm-softmax")
    assert retrain_if_changed() == 3
    assert retrain_if_changed() is None


def test_it_shows_versions_with_their_evaluation_and_a_rollback_button(d: District, client_for) -> None:  # noqa: ANN001
    decided_cases(d, ["air-fumes", "water-outage", "wages-arrears"], per_category=10)
    services.classifier_train(actor=d.admin)
    services.classifier_train(actor=d.admin, activate=True)
    client = client_for("admin")
    html = client.get("/triage/models/").content.decode()
    assert 'data-version="1"' in html and 'data-version="2"' in html and 'data-testid="rollback"' in html
    assert "拖欠工资" in html  # per-category figures
    response = client.post("/triage/models/rollback/")
    assert response.status_code == 302
    assert ClassifierVersion.objects.get(is_active=True).number == 1
    response = client.post("/triage/models/activate/", {"number": "2"})
    assert ClassifierVersion.objects.get(is_active=True).number == 2


@pytest.mark.parametrize("persona", ["intake", "leader", "officer"])
def test_it_refuses_the_models_page_to_everyone_but_administrators(d: District, client_for, persona: str) -> None:  # noqa: ANN001
    client = client_for(persona)
    assert client.get("/triage/models/").status_code == 403
    assert client.post("/triage/models/train/").status_code == 403
    assert client.post("/triage/models/rollback/").status_code == 403


def test_it_trains_from_the_models_page(d: District, client_for) -> None:  # noqa: ANN001
    decided_cases(d, ["air-fumes", "water-outage", "wages-arrears"], per_category=10)
    response = client_for("admin").post("/triage/models/train/")
    assert response.status_code == 302
    version = ClassifierVersion.objects.get()
    assert version.is_active and version.created_by == d.admin
