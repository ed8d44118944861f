"""Simplified Chinese must be complete: every string in the code and templates of every
app has a Chinese translation in that app's catalogue."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

BASE = Path(settings.BASE_DIR)
APPS = sorted({p.parent.name for p in BASE.glob("*/apps.py")} | {"minsheng"})


@pytest.mark.parametrize("app", APPS)
def test_it_has_a_chinese_translation_for_every_string(app: str, tmp_path: Path) -> None:
    if shutil.which("xgettext") is None:
        pytest.fail("GNU gettext (xgettext) is needed for this test; ./test installs it.")
    copy = tmp_path / app
    shutil.copytree(BASE / app, copy, ignore=shutil.ignore_patterns("locale", "tests", "__pycache__", "migrations"))
    (copy / "locale").mkdir()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "minsheng.settings", "DEBUG": "1", "MINSHENG_MAKEMESSAGES": "1", "PYTHONPATH": str(BASE)}
    django_admin = Path(sys.executable).parent / "django-admin"
    subprocess.run([str(django_admin), "makemessages", "-l", "zh_Hans", "--no-location", "-v0"], cwd=copy, env=env, check=True)
    extracted_path = copy / "locale/zh_Hans/LC_MESSAGES/django.po"
    if not extracted_path.exists():
        return  # an app with no user-facing strings
    extracted = polib.pofile(str(extracted_path))
    committed_path = BASE / app / "locale/zh_Hans/LC_MESSAGES/django.po"
    assert committed_path.exists(), f"{app} has strings but no Chinese catalogue; run bin/i18n {app}"
    committed = {(e.msgctxt, e.msgid): e for e in polib.pofile(str(committed_path))}
    missing = []
    for entry in extracted:
        have = committed.get((entry.msgctxt, entry.msgid))
        if have is None or "fuzzy" in have.flags or not (have.msgstr or any(have.msgstr_plural.values())):
            missing.append(entry.msgid)
    assert not missing, f"{app}: {len(missing)} string(s) without Chinese translation: {missing[:10]}"
