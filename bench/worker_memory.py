#!/usr/bin/env python
"""Memory of one gunicorn worker after the main pages, and what the heavy imports cost.

Usage:

    bench/worker_memory.py [--db minsheng_mem | --sqlite var/mem.sqlite3] [--rounds 50]
                           [--skip-server] [--skip-imports]

1. Data: a PostgreSQL database of its own (``minsheng_mem``; created when missing) or a
   SQLite file, migrated, with the demo district and its cases (``manage.py load_demo
   --if-empty``).
2. Server: ``gunicorn -c deploy/gunicorn.conf.py`` with 1 worker x 4 threads, DEBUG=0, the
   queue in SQLite (no Redis needed; tasks stay queued, nothing consumes them).
3. Load, signed in as the demo staff: ``--rounds`` times each of the inbox (officer), a case
   page and its likely duplicates (intake), the staff intake form, a triage suggestion (POST),
   a search, the dashboard (leader) and ``POST /api/v1/cases`` (intake's API token; each
   registration computes a MinHash signature in the worker).
4. Prints the worker's VmRSS and VmHWM (``/proc/<pid>/status``).
5. Imports, each in a fresh interpreter with the same settings: RSS after ``django.setup()``,
   after loading the WSGI app and every URLconf's views (what a worker holds before its
   first request) with the heavy modules then loaded, and the RSS each heavy module adds
   when imported alone in a fresh interpreter (numpy's share is in each numpy user's figure).

Prints figures only; nothing is asserted. The data is demo data, never the shared data.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
if (VENV / "bin" / "python").exists() and Path(sys.prefix).resolve() != VENV.resolve():
    os.execv(str(VENV / "bin" / "python"), [str(VENV / "bin" / "python"), *sys.argv])
sys.path.insert(0, str(ROOT))

STATE = ROOT / "bench" / ".state" / "mem"
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
PASSWORD = os.environ.get("BENCH_PASSWORD", "minsheng-demo")
SEARCH_TERMS = ["油烟", "噪音", "拖欠工资", "物业", "停车", "垃圾"]
HEAVY = [
    ("numpy", "numpy"),
    ("scipy.sparse", "scipy.sparse"),
    ("sklearn", "sklearn"),
    ("datasketch", "datasketch"),
    ("jieba", "jieba"),
    ("jieba + dictionary", "jieba;jieba.initialize()"),
    ("openpyxl", "openpyxl"),
    ("docx (python-docx)", "docx"),
    ("PIL", "PIL.Image"),
    ("schemathesis (dev only)", "schemathesis"),
    ("numpy + scipy.sparse + datasketch", "numpy;scipy.sparse;datasketch"),
    ("numpy + scipy.sparse", "numpy;scipy.sparse"),
    ("lib.triage.dedup", "lib.triage.dedup"),
    ("lib.triage.model", "lib.triage.model"),
]


def say(text: str) -> None:
    print(f"[worker_memory] {text}", file=sys.stderr, flush=True)


def status_mb(pid: int | str = "self") -> tuple[float, float]:
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _sep, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


def make_env(args: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ)
    url = f"sqlite:///{Path(args.sqlite).resolve()}" if args.sqlite else f"{PG_SERVER}/{args.db}"
    env.update(
        DATABASE_URL=url,
        SECRET_KEY=env.get("SECRET_KEY") or "bench-only-not-a-secret",
        DEBUG="0",
        MINSHENG_VAR_DIR=str(STATE / "var"),
        DJANGO_SETTINGS_MODULE="minsheng.settings",
        MINSHENG_REQUIRE_REDIS="0",
        MINSHENG_PREFLIGHT="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        WEB_WORKERS="1",
        WEB_THREADS="4",
    )
    for key in ("REDIS_URL", "MINSHENG_TESTING", "BENCH_QUERY_COUNT"):
        env.pop(key, None)
    return env


def ensure_data(args: argparse.Namespace, env: dict[str, str]) -> None:
    (STATE / "var").mkdir(parents=True, exist_ok=True)
    if not args.sqlite:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.db]).fetchone() is None:
                say(f"creating database {args.db}")
                conn.execute(f'CREATE DATABASE "{args.db}"')
    py = str(VENV / "bin" / "python")
    subprocess.run([py, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([py, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([py, "manage.py", "load_demo", "--if-empty"], cwd=ROOT, env=env, check=True)


class Session:
    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn.request(method, path, body=body, headers={"Cookie": cookie, **(headers or {})})
        response = conn.getresponse()
        data = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _sep, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        conn.close()
        return response.status, data

    def form_headers(self, path: str) -> dict[str, str]:
        return {
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://127.0.0.1:{self.port}{path}",
            "X-CSRFToken": self.cookies.get("csrftoken", ""),
        }

    def login(self, username: str) -> Session:
        self.request("GET", "/accounts/login/")
        form = {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
        status, _body = self.request(
            "POST", "/accounts/login/", urllib.parse.urlencode(form).encode(), self.form_headers("/accounts/login/")
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"worker_memory: signing in as {username} failed (HTTP {status})")
        return self


def worker_of(master: int) -> int:
    for _ in range(240):
        for pid_dir in Path("/proc").iterdir():
            if pid_dir.name.isdigit():
                try:
                    stat = (pid_dir / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                    return int(pid_dir.name)
        time.sleep(0.5)
    raise SystemExit("worker_memory: no gunicorn worker appeared")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_server(args: argparse.Namespace, env: dict[str, str]) -> dict[str, object]:
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "SECRET_KEY", "DEBUG", "MINSHENG_VAR_DIR", "DJANGO_SETTINGS_MODULE")})
    import django

    django.setup()
    from accounts.models import User
    from accounts.services import api_token_issue
    from cases.models import Case, Category

    numbers = list(Case.objects.order_by("-id").values_list("number", flat=True)[:200])
    categories = list(Category.objects.filter(is_active=True, level=3).values_list("code", flat=True)) or ["air-fumes"]
    from accounts.models import Unit, UnitKind

    towns = list(Unit.objects.filter(kind=UnitKind.TOWN, is_active=True).values_list("code", flat=True))
    _token, secret = api_token_issue(actor=None, user=User.objects.get(username="intake"), name=f"worker_memory {uuid.uuid4().hex[:8]}")
    from django.db import connections

    connections.close_all()

    port = free_port()
    log = open(STATE / "gunicorn.log", "ab")  # noqa: SIM115
    server = subprocess.Popen(
        [str(VENV / "bin" / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py")],
        cwd=ROOT,
        env=dict(env, GUNICORN_BIND=f"127.0.0.1:{port}"),
        stdout=log,
        stderr=log,
    )
    try:
        worker = worker_of(server.pid)
        for _ in range(240):
            try:
                if Session(port).request("GET", "/accounts/login/")[0] == 200:
                    break
            except OSError:
                time.sleep(0.5)
        idle = status_mb(worker)
        officer, intake, leader = Session(port).login("officer"), Session(port).login("intake"), Session(port).login("leader")
        statuses: dict[str, dict[int, int]] = {}

        def hit(
            name: str, session: Session, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
        ) -> None:
            status, _b = session.request(method, path, body, headers)
            statuses.setdefault(name, {})
            statuses[name][status] = statuses[name].get(status, 0) + 1

        started = time.monotonic()
        for i in range(args.rounds):
            number = numbers[i % len(numbers)]
            word = SEARCH_TERMS[i % len(SEARCH_TERMS)]
            hit("inbox", officer, "GET", "/cases/")
            hit("case page", intake, "GET", f"/cases/{number}/")
            hit("duplicates", intake, "GET", f"/triage/cases/{number}/duplicates/")
            hit("intake form", intake, "GET", "/cases/new/")
            body = urllib.parse.urlencode({"title": f"{word}问题反映", "content": f"小区附近{word}问题持续多日，请尽快处理。"}).encode()
            hit("triage suggest POST", intake, "POST", "/triage/suggest/", body, intake.form_headers("/cases/new/"))
            hit("search", intake, "GET", f"/cases/?box=all&q={urllib.parse.quote(word)}")
            hit("dashboard", leader, "GET", "/insights/?period=month")
            payload = {
                "channel": "phone",
                "type": "complaint",
                "title": f"{word}（内存测试{i}）",
                "content": f"市民来电反映小区{word}问题，已持续多日，请尽快处理。内存测试{i}。",
                "category": categories[i % len(categories)],
                "location": {"address": f"测试路{i % 50}号", "latitude": 30.27, "longitude": 120.15, "town": towns[i % len(towns)]},
                "complainants": [{"name": "张三", "phone": f"139{i:08d}", "id_number": "", "address": ""}],
            }
            hit(
                "API POST /api/v1/cases",
                Session(port),
                "POST",
                "/api/v1/cases",
                json.dumps(payload, ensure_ascii=False).encode(),
                {"Authorization": f"Bearer {secret}", "Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex},
            )
        elapsed = time.monotonic() - started
        rss, hwm = status_mb(worker)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    return {
        "idle_rss_mb": round(idle[0], 1),
        "rss_mb": round(rss, 1),
        "peak_mb": round(hwm, 1),
        "seconds": round(elapsed, 1),
        "statuses": statuses,
    }


PROBE = r"""
import importlib, json, sys
def mb():
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) / 1024
out = {'python': mb()}
mode = sys.argv[1]
if mode == 'app':
    import django
    django.setup()
    out['django.setup'] = mb()
    from minsheng.wsgi import application  # noqa
    from django.urls import get_resolver
    def walk(resolver):
        for p in resolver.url_patterns:
            if hasattr(p, 'url_patterns'):
                walk(p)
    walk(get_resolver())
    out['wsgi app + URLconf'] = mb()
    out['loaded'] = sorted(m for m in json.loads(sys.argv[2]) if m in sys.modules)
else:
    for stmt in mode.split(';'):
        if stmt.endswith(')'):
            exec(stmt, {'jieba': sys.modules.get('jieba')})
        else:
            importlib.import_module(stmt)
    out['after'] = mb()
print(json.dumps(out))
"""


def probe(env: dict[str, str], mode: str) -> dict[str, object]:
    modules = json.dumps(sorted({m.split(";")[0] for _n, m in HEAVY} | {"scipy", "PIL"}))
    done = subprocess.run(
        [str(VENV / "bin" / "python"), "-c", PROBE, mode, modules],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode:
        return {"error": (done.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="minsheng_mem", help="PostgreSQL database (created when missing).")
    parser.add_argument("--sqlite", help="A SQLite file instead of PostgreSQL.")
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--skip-server", action="store_true")
    parser.add_argument("--skip-imports", action="store_true")
    args = parser.parse_args()
    env = make_env(args)
    ensure_data(args, env)
    if not args.skip_imports:
        app = probe(env, "app")
        if "error" in app:
            print(f"import probe failed: {app['error']}")
        else:
            print(
                f"RSS after python start {app['python']:.1f} MB, django.setup() {app['django.setup']:.1f} MB, wsgi app + every URLconf {app['wsgi app + URLconf']:.1f} MB"
            )
            print(f"heavy modules loaded by then: {', '.join(app['loaded']) or 'none'}")
        print(f"{'module (imported alone in a fresh python)':<46} {'+RSS MB':>8}")
        for name, mode in HEAVY:
            row = probe(env, mode)
            if "error" in row:
                print(f"{name:<46} {'n/a':>8}  ({row['error'][:60]})")
            else:
                print(f"{name:<46} {row['after'] - row['python']:>8.1f}")
    if not args.skip_server:
        result = run_server(args, env)
        print(f"gunicorn worker (1 x 4 threads, DEBUG=0) after {args.rounds} rounds of 8 requests in {result['seconds']} s:")
        print(
            f"  RSS before the first request {result['idle_rss_mb']} MB; after the load {result['rss_mb']} MB (peak {result['peak_mb']} MB); budget 250 MB"
        )
        for name, counts in result["statuses"].items():
            print(f"  {name:<28} " + ", ".join(f"HTTP {k} x{v}" for k, v in sorted(counts.items())))
        bad = {n: c for n, c in result["statuses"].items() if any(not re.match(r"[23]", str(k)) for k in c)}
        if bad:
            print(f"  WARNING: error responses: {bad}")


if __name__ == "__main__":
    main()
