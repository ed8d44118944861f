from __future__ import annotations

import re
from io import StringIO

import pytest

from accounts.demo import build_demo_district
from cases.demo import load_demo as load_cases
from cases.models import Case, Channel
from open311.models import Open311Submission
from open311.services import open311_authenticate
from portal.demo import load_demo
from portal.models import QueryCode
from portal.services import query_code_check

pytestmark = pytest.mark.django_db


def test_it_gives_the_demo_portal_cases_codes_that_work_and_is_reproducible() -> None:
    build_demo_district()
    load_cases(stdout=StringIO(), cases=60, seed=7)
    out = StringIO()
    load_demo(stdout=out, cases=60, seed=7)
    text = out.getvalue()
    web = Case.objects.filter(channel=Channel.WEB).count()
    assert web and QueryCode.objects.count() == web
    pairs = re.findall(r"(\d{4}-\d{6})  ([A-Z0-9]{4}-[A-Z0-9]{4})", text)
    assert pairs
    for number, code in pairs:
        assert query_code_check(number, code) is not None
    key = re.search(r"(o311_\S+)", text).group(1)
    assert open311_authenticate(key) is not None
    assert Open311Submission.objects.count() == Case.objects.filter(channel=Channel.OPEN311).count()
    again = StringIO()
    load_demo(stdout=again, cases=60, seed=7)  # nothing left to do the second time
    assert QueryCode.objects.count() == web
