"""The permission matrix: every URL of the project, called as every persona, against the
declaration in ``core/permission_rules.py``. A URL with no rule fails; so does a persona
that gets in where it should be refused, or is refused where it should get in.
Object-level: guessing another unit's case number, hazard number, instruction id or
attachment id gives 404 (never 403, never the object)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from audit.models import AuditEntry
from core.permission_rules import ADMIN_BLOCK, EVERYONE, RULES, STAFF, Rule
from core.tests.matrix_world import MISSING, PERSONAS, World, build_world, client_for

pytestmark = pytest.mark.django_db

MISSING_UUID = "00000000-0000-4000-8000-000000000000"


def url_patterns(
    resolver: URLResolver | None = None, prefix: str = "", ns: str = ""
) -> Iterator[tuple[str, str, URLPattern | URLResolver]]:
    """(name, route, pattern) for every URL pattern, walking includes recursively; the
    admin site is one entry named ``admin``."""
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            space = ns
            if p.namespace:
                space = f"{ns}:{p.namespace}" if ns else p.namespace
            if p.namespace == "admin":
                yield ADMIN_BLOCK, prefix + str(p.pattern), p
                continue
            yield from url_patterns(p, prefix + str(p.pattern), space)
        else:
            name = f"{ns}:{p.name}" if ns and p.name else (p.name or "")
            yield name or f"<unnamed {prefix}{p.pattern}>", prefix + str(p.pattern), p


def _value(w: World, name: str, param: str) -> Any:
    app = name.split(":")[0]
    today = timezone.localdate()
    op = name.split(":")[-1]
    if param == "case_number":
        return w.case.number
    if param == "number":
        if app == "portal":
            return w.portal_case.number
        if name.startswith("hazards:") or op in (
            "read_hazard",
            "save_plan",
            "start_rectification",
            "add_photo",
            "report_rectified",
            "verify_hazard",
            "close_hazard",
        ):
            return w.hazard.number
        return w.case.number
    table: dict[str, Any] = {
        "attachment_id": w.attachment.pk,
        "instruction_id": w.instruction.pk,
        "notice_id": w.notice.pk,
        "report_id": w.urgent.pk,
        "unit_code": "qingshan",
        "code": "qingshan",
        "day": today.isoformat(),
        "year": today.year,
        "month": today.month,
        "unit_id": w.d.town_a.pk,
        "action": "accept",
        "decision": "dismiss",
        "request_id": w.portal_case.number,
        "path": "nothing-here",
        "fmt": "xlsx" if app == "duty" else "json",
    }
    if param == "pk":
        if name == "cases:attachment":
            return w.attachment.pk
        if name == "hazards:photo":
            return str(w.photo.file_id)
        if name.startswith("duty:instruction"):
            return w.instruction.pk
        if name.startswith("duty:notice"):
            return w.notice.pk
        if name.startswith("duty:urgent"):
            return w.urgent.pk
        if name == "accounts:token_revoke":
            return w.token_pk
        if name in ("hazards:import_status",):
            return MISSING_UUID
        return MISSING
    if name == "insights:drill":
        return {"code": "received", "part": "all"}[param]
    if name == "open311:service" and param == "code":
        from open311.selectors import service_categories

        return service_categories()[0][0].code
    if param == "file_id":
        return MISSING_UUID
    return table.get(param, MISSING)


def _url(w: World, name: str, pattern: URLPattern) -> str:
    params = list(pattern.pattern.regex.groupindex)
    return reverse(name, kwargs={p: _value(w, name, p) for p in params}) if params else reverse(name)


# When a rule lets every staff persona in (or everyone), the answer cannot differ by
# unit or role, so a representative sample keeps the module fast: the two outsiders, a
# town officer, a district-wide role and the accused unit.
SAMPLE = ("anonymous", "public", "officer", "officer2", "leader", "accused")
EXPENSIVE = {"api:openapi-json", "api:openapi-view"}


def _personas_for(rule: Rule, name: str) -> tuple[str, ...]:
    if name in EXPENSIVE:
        return ("anonymous", "officer2")
    if rule.allow in (STAFF, EVERYONE):
        return SAMPLE
    return PERSONAS


def _refused(persona: str, name: str, response: Any) -> bool:
    status = response.status_code
    if persona in ("anonymous", "public") and not name.startswith(("api:", "portal:", "open311:")):
        return status == 302 and response["Location"].startswith("/accounts/login/")
    if name.startswith("api:") and persona in ("anonymous", "public"):
        return status == 401
    return status in (403, 404)


@pytest.fixture
def world(settings: Any, tmp_path: Any) -> World:
    settings.MEDIA_ROOT = tmp_path / "files"
    return build_world()


def test_it_declares_a_rule_for_every_url() -> None:
    undeclared = [f"{name} ({route})" for name, route, _p in url_patterns() if name not in RULES and name != ADMIN_BLOCK]
    assert not undeclared, "URLs with no permission rule in core/permission_rules.py: " + ", ".join(undeclared)
    names = {name for name, _r, _p in url_patterns()}
    stale = sorted(set(RULES) - names)
    assert not stale, f"rules for URLs that no longer exist: {stale}"


def test_it_refuses_what_is_not_declared_for_every_persona(world: World) -> None:
    problems: list[str] = []
    for name, _route, pattern in url_patterns():
        if name == ADMIN_BLOCK:
            continue
        rule: Rule = RULES[name]
        assert isinstance(pattern, URLPattern)
        url = _url(world, name, pattern)
        if rule.method != "GET":
            for persona in sorted(rule.refuse):
                before = AuditEntry.objects.count()
                c = client_for(world, persona)
                r = c.post(url, {}) if rule.method == "POST" else c.generic(rule.method, url, "{}", content_type="application/json")
                # API bodies are validated before the object is looked up: an empty body
                # is refused with 400 before the scope check can answer 404.
                api_refusal = name.startswith("api:") and r.status_code in (400, 403, 404)
                if (
                    not _refused(persona, name, r)
                    and not api_refusal
                    and not (persona in ("anonymous", "public") and r.status_code in (401, 403, 404))
                ):
                    problems.append(f"{name} POST {url} as {persona}: {r.status_code}, expected a refusal")
                if AuditEntry.objects.count() != before:
                    problems.append(f"{name} POST {url} as {persona} wrote an audit row")
            continue
        if rule.query:
            url = f"{url}?{rule.query}"
        for persona in _personas_for(rule, name):
            r = client_for(world, persona).get(url)
            if r.status_code >= 500:
                problems.append(f"{name} GET {url} as {persona}: {r.status_code}")
            elif persona in rule.allow:
                if r.status_code >= 400 or (r.status_code == 302 and r["Location"].startswith("/accounts/login/")):
                    problems.append(f"{name} GET {url} as {persona}: {r.status_code}, expected to be let in")
            elif not _refused(persona, name, r):
                if persona in ("anonymous", "public") and name.startswith(("portal:", "open311:")) and r.status_code in (403, 404):
                    continue
                if not rule.allow and r.status_code in (403, 404):
                    continue
                problems.append(f"{name} GET {url} as {persona}: {r.status_code}, expected a refusal")
    assert not problems, "\n".join(problems)


def test_it_keeps_the_admin_site_to_administrators(world: World) -> None:
    assert client_for(world, "anonymous").get("/admin/").status_code == 302
    for persona in ("officer", "officer2", "leader", "accused"):
        r = client_for(world, persona).get("/admin/")
        assert r.status_code == 302 and "/admin/login/" in r["Location"], persona


def test_it_answers_404_for_objects_outside_the_users_scope(world: World) -> None:
    """Staff of another unit and the accused unit learn nothing by guessing numbers and ids:
    an existing object outside their scope answers exactly like one that does not exist."""
    from cases.tests.helpers import register

    w = world
    case_b = register(w.d, town=w.d.town_b, title="河西街道路灯不亮", content="河西街道滨河路路灯连续一周不亮。")
    n, h, i = w.case.number, w.hazard.number, w.instruction.pk
    a = w.attachment.pk
    outside = [
        f"/cases/{n}/",
        f"/cases/{n}/sheet/",
        f"/cases/{n}/files/{a}/",
        f"/cases/{case_b.number}/files/{a}/",  # another case's attachment id under a case one may see
        f"/api/v1/cases/{n}",
        f"/api/v1/cases/{n}/attachments/{a}",
        f"/hazards/{h}/",
        f"/api/v1/hazards/{h}",
        f"/hazards/photos/{w.photo.file_id}/",
        f"/duty/instructions/{i}/",
        f"/api/v1/duty/instructions/{i}",
        f"/duty/notices/{w.notice.pk}/",
        f"/duty/urgent/{w.urgent.pk}/",
        f"/triage/cases/{n}/duplicates/",
    ]
    for persona in ("officer2", "dept_officer"):
        c = client_for(w, persona)
        for url in outside:
            r = c.get(url)
            assert r.status_code == 404, (persona, url, r.status_code)
            # The 404 page may echo the path typed; it shows nothing of the object itself.
            for secret in ("烧烤店", "张小三", "楼道堆放杂物", "寒潮", "背街小巷", "燃气管道"):
                assert secret.encode() not in r.content, (persona, url, secret)
    # A number that does not exist gives the same answer as one outside the scope.
    c = client_for(w, "officer2")
    assert c.get("/cases/2099-999999/").status_code == c.get(f"/cases/{n}/").status_code == 404
    assert c.get("/api/v1/cases/2099-999999").status_code == c.get(f"/api/v1/cases/{n}").status_code == 404
    # The handling unit itself sees them.
    assert client_for(w, "officer").get(f"/cases/{case_b.number}/").status_code == 404
    assert client_for(w, "officer2").get(f"/cases/{case_b.number}/files/{a}/").status_code == 404


def test_it_keeps_an_accusation_and_its_materials_from_the_accused_unit(world: World) -> None:
    w = world
    n, m = w.accusation.number, w.accusation_material.pk
    accused = client_for(w, "accused")
    for url in (
        f"/cases/{n}/",
        f"/cases/{n}/sheet/",
        f"/cases/{n}/sheet.docx",
        f"/cases/{n}/files/{m}/",
        f"/api/v1/cases/{n}",
        f"/api/v1/cases/{n}/attachments/{m}",
        f"/triage/cases/{n}/duplicates/",
    ):
        r = accused.get(url)
        assert r.status_code == 404, (url, r.status_code)
    listed = accused.get("/api/v1/cases").json()
    assert n not in str(listed)
    assert "收受摊贩财物".encode() not in accused.get("/cases/").content
    # The handling unit (town A) does see the accusation.
    assert client_for(w, "officer").get(f"/cases/{n}/").status_code == 200


def test_it_shows_a_portal_case_only_with_its_query_code(world: World) -> None:
    w = world
    number = w.portal_case.number
    assert client_for(w, "public").get(f"/portal/case/{number}/").status_code == 200
    for persona in ("anonymous", "officer", "admin"):
        assert client_for(w, persona).get(f"/portal/case/{number}/").status_code == 404, persona
    # The code of one case opens no other case.
    assert client_for(w, "public").get(f"/portal/case/{w.case.number}/").status_code == 404
    wrong = Client()
    r = wrong.post("/portal/track/", {"number": number, "code": "000000" if w.portal_code != "000000" else "111111"})
    assert r.status_code == 200
    assert wrong.get(f"/portal/case/{number}/").status_code == 404


def test_it_ends_a_staff_session_after_the_idle_timeout(district: Any, settings: Any) -> None:
    """A stolen or forgotten session dies after SESSION_TIMEOUT_MINUTES without use;
    each request pushes the end further out."""
    import datetime as dt

    import time_machine

    minutes = settings.SESSION_COOKIE_AGE // 60
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        c = Client()
        c.force_login(district.officer)
        assert c.get("/cases/").status_code == 200
        traveller.shift(dt.timedelta(minutes=minutes - 1))
        assert c.get("/cases/").status_code == 200  # still in use: the end moves
        traveller.shift(dt.timedelta(minutes=minutes - 1))
        assert c.get("/cases/").status_code == 200
        traveller.shift(dt.timedelta(minutes=minutes + 1))
        r = c.get("/cases/")
        assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")
