"""The Content-Security-Policy (docs/security.md): every page is served with a policy that
runs no inline script, no inline style and no eval, and no page needs one. Three checks:
the header on every kind of answer (pages, partials, the portal, the admin site, errors, the
API); every GET page of the permission matrix, as a persona that is let in, rendered without
an inline <script>, an on*= handler, a javascript: URL or a style="" attribute; and the
template sources themselves, so a partial that no GET here renders is checked too."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.template import engines

from core.permission_rules import ADMIN_BLOCK, EVERYONE, RULES, STAFF
from core.tests.matrix_world import World, build_world, client_for
from core.tests.test_permission_matrix import _url, url_patterns

pytestmark = pytest.mark.django_db


def directives(header: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0].lower()] = words[1:]
    return out


class InlineFinder(HTMLParser):
    """Collects what the policy would refuse: inline <script> (JSON data blocks excepted),
    on*= attributes, javascript: URLs, style="" attributes and <style> elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "script" and "src" not in a and a.get("type", "").lower() != "application/json":
            self.problems.append(f"inline <script> at line {self.getpos()[0]}")
        if tag == "style":
            self.problems.append(f"<style> element at line {self.getpos()[0]}")
        for k, v in a.items():
            if k.startswith("on"):
                self.problems.append(f"<{tag} {k}=...> at line {self.getpos()[0]}")
            if k == "style":
                self.problems.append(f'<{tag} style="{v}"> at line {self.getpos()[0]}')
            if k in ("href", "src", "action", "formaction") and v.strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {k}=javascript:...> at line {self.getpos()[0]}")


def inline_problems(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    finder.close()
    return finder.problems


def assert_policy(response: Any, where: str) -> None:
    header = response.get("Content-Security-Policy", "")
    assert header, f"{where}: no Content-Security-Policy header"
    d = directives(header)
    for name in ("script-src", "style-src"):
        assert d.get(name) == ["'self'"], f"{where}: {name} is {d.get(name)}"
    assert "'unsafe-inline'" not in header and "'unsafe-eval'" not in header, where
    assert d.get("object-src") == ["'none'"] and d.get("frame-ancestors") == ["'none'"], where
    assert d.get("base-uri") == ["'self'"] and d.get("form-action") == ["'self'"], where


def test_it_finds_what_the_policy_refuses() -> None:
    """The checker itself: it sees each kind of inline code and lets JSON data and files through."""
    bad = (
        '<script>alert(1)</script><button onclick="x()">b</button><a href=" JavaScript:x()">a</a>'
        '<div style="width: 5%"></div><style>p{}</style><select onChange="f()"></select>'
    )
    assert len(inline_problems(bad)) == 6
    good = '<script src="/static/js/minsheng.js"></script><script type="application/json" id="d">{"a": 1}</script><div data-onclick="x" class="ms-pct-5"></div>'
    assert inline_problems(good) == []


@pytest.fixture
def world(settings: Any, tmp_path: Any) -> World:
    settings.MEDIA_ROOT = tmp_path / "files"
    return build_world()


def _persona(rule: Any, name: str) -> str | None:
    """A persona that the rule lets in: the leader (sees the whole district) when possible."""
    if rule.allow in (STAFF, EVERYONE) or "leader" in rule.allow:
        return "leader"
    for p in ("admin", "intake", "officer", "duty", "supervisor", "followup", "head", "dept_officer", "public", "anonymous"):
        if p in rule.allow:
            return p
    return None


def test_it_serves_every_page_with_the_policy_and_no_inline_code(world: World) -> None:
    problems: list[str] = []
    pages = 0
    for name, _route, pattern in url_patterns():
        if name == ADMIN_BLOCK:
            continue
        rule = RULES[name]
        persona = _persona(rule, name)
        if rule.method != "GET" or persona is None:
            continue
        url = _url(world, name, pattern)
        if rule.query:
            url = f"{url}?{rule.query}"
        for htmx in (False, True):
            r = client_for(world, persona).get(url, **({"HTTP_HX_REQUEST": "true"} if htmx else {}))
            where = f"{name} GET {url} as {persona}{' (htmx)' if htmx else ''}: {r.status_code}"
            if r.status_code >= 500:
                problems.append(where)
                continue
            assert_policy(r, where)
            if r.get("Content-Type", "").startswith("text/html") and not getattr(r, "streaming", False):
                pages += 1
                problems += [f"{where}: {p}" for p in inline_problems(r.content.decode())]
    assert pages > 100, pages  # the matrix really rendered the project's pages
    assert not problems, "\n".join(problems)


def test_it_serves_the_admin_site_errors_and_the_api_with_the_policy(world: World, client: Any) -> None:
    admin = client_for(world, "admin")
    for url in ("/admin/", "/admin/accounts/user/", f"/admin/accounts/user/{world.d.admin.pk}/change/", "/admin/login/"):
        r = admin.get(url)
        assert r.status_code in (200, 302), (url, r.status_code)
        assert_policy(r, url)
        if r.status_code == 200:
            assert inline_problems(r.content.decode()) == [], url
    r = client_for(world, "leader").get("/no-such-page/")
    assert r.status_code == 404
    assert_policy(r, "404")
    assert inline_problems(r.content.decode()) == []
    r = client.get("/accounts/login/")
    assert_policy(r, "login")
    assert inline_problems(r.content.decode()) == []
    r = client_for(world, "leader").get("/api/v1/docs")
    assert_policy(r, "api docs")
    assert inline_problems(r.content.decode()) == []


@pytest.mark.parametrize("template", ["400.html", "403.html", "404.html", "500.html"])
def test_it_renders_the_error_pages_without_inline_code(template: str, rf: Any) -> None:
    html = engines["django"].get_template(template).render({}, rf.get("/"))
    assert inline_problems(html) == []


TEMPLATE_DIRS = sorted(
    p
    for p in Path(settings.BASE_DIR).glob("*/templates")
    if p.is_dir() and not str(p.relative_to(settings.BASE_DIR)).startswith((".", "node_modules"))
)
DJANGO_TAGS = re.compile(r"{%.*?%}|{{.*?}}|{#.*?#}", re.S)


def test_it_keeps_inline_code_out_of_every_template_source() -> None:
    """Also the partials and e-mails no request above renders: template tags are blanked out,
    then the HTML is checked."""
    problems: list[str] = []
    checked = 0
    for folder in TEMPLATE_DIRS:
        for path in folder.rglob("*.html"):
            text = DJANGO_TAGS.sub("", path.read_text(encoding="utf-8"))
            checked += 1
            problems += [f"{path.relative_to(settings.BASE_DIR)}: {p}" for p in inline_problems(text)]
    assert checked > 50, checked
    assert not problems, "\n".join(problems)


def test_it_lets_the_map_tiles_in_when_a_tile_server_is_configured() -> None:
    from minsheng.settings import _tile_origin

    assert _tile_origin("https://tiles.example.gov.cn/{z}/{x}/{y}.png") == "https://tiles.example.gov.cn"
    assert _tile_origin("https://{s}.tile.example.org/{z}/{x}/{y}.png") == "https://*.tile.example.org"
    assert _tile_origin("/tiles/{z}/{x}/{y}.png") == ""
