from __future__ import annotations

import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


def test_it_shows_chinese_by_default_even_to_an_english_browser(district, client_for) -> None:  # noqa: ANN001
    body = client_for("intake").get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "欢迎" in body and "登记员" in body and 'lang="zh-CN"' in body


def test_it_switches_to_english_and_back(district, client_for) -> None:  # noqa: ANN001
    client = client_for("intake")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = client.get("/").content.decode()
    assert "Welcome" in body and "Intake officer" in body and "Cases" in body
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "欢迎" in client.get("/").content.decode()


def test_it_serves_vendor_assets_from_its_own_static_files(district, client_for) -> None:  # noqa: ANN001
    body = client_for("intake").get("/").content.decode()
    assert "/static/vendor/bootstrap/css/bootstrap.min.css" in body
    assert "/static/vendor/htmx/htmx.min.js" in body
    assert "http://" not in body.split("<body")[0] and "https://" not in body.split("<body")[0]


def test_it_answers_the_health_check(db) -> None:  # noqa: ANN001
    assert Client().get("/healthz").json() == {"status": "ok"}


@override_settings(DEBUG=False)
def test_it_never_shows_a_stack_trace(district, client_for) -> None:  # noqa: ANN001
    client = client_for("intake")
    client.raise_request_exception = False
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Traceback" not in body and "未找到" in body


def _settings_error(env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-c", "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='minsheng.settings'; django.setup()"],
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )
    assert result.returncode != 0
    return result.stderr.strip()


def test_it_stops_with_one_line_on_a_bad_database_url(tmp_path) -> None:  # noqa: ANN001
    err = _settings_error({"DEBUG": "1", "DATABASE_URL": "mysq://nowhere", "MINSHENG_VAR_DIR": str(tmp_path)})
    assert len(err.splitlines()) == 1
    assert "DATABASE_URL" in err and "postgresql://" in err


def test_it_stops_with_one_line_without_a_secret_key_when_debug_is_off(tmp_path) -> None:  # noqa: ANN001
    err = _settings_error({"DEBUG": "0", "MINSHENG_VAR_DIR": str(tmp_path)})
    assert len(err.splitlines()) == 1
    assert "SECRET_KEY" in err


def test_it_stops_with_one_line_on_a_malformed_number(tmp_path) -> None:  # noqa: ANN001
    err = _settings_error({"DEBUG": "1", "SESSION_TIMEOUT_MINUTES": "half an hour", "MINSHENG_VAR_DIR": str(tmp_path)})
    assert len(err.splitlines()) == 1 and "SESSION_TIMEOUT_MINUTES" in err
