"""gunicorn settings for the production profile (docs/operations.md, "Production").

    gunicorn -c deploy/gunicorn.conf.py

Everything comes from the environment (the same variables as the app, plus those
below). Before it opens its port gunicorn runs ``manage.py preflight``: with DEBUG on,
a default SECRET_KEY, or a database or Redis that does not answer it prints one line
per problem and exits with status 2.

    GUNICORN_BIND      address to listen on (default 127.0.0.1:8100)
    WEB_WORKERS        worker processes (default 2 x CPU cores)
    WEB_THREADS        threads per worker (default 4)
    ACCESS_LOG         file for the access log (default: none)
    GUNICORN_LOG_LEVEL default warning
    FORWARDED_ALLOW_IPS addresses of the proxies whose X-Forwarded-* are trusted (default 127.0.0.1)
    MINSHENG_REQUIRE_REDIS 0 lets it start without REDIS_URL (queue in SQLite; default 1)
    MINSHENG_PREFLIGHT 0 skips the preflight (only for a caller that just ran it)
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

wsgi_app = "minsheng.wsgi:application"
chdir = str(ROOT)
bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8100")]
workers = int(os.environ.get("WEB_WORKERS") or 2 * (os.cpu_count() or 1))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS") or 4)
timeout = 60
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then (bounded memory), staggered so they do not all restart at once.
max_requests = 5000
max_requests_jitter = 500
accesslog = os.environ.get("ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "minsheng"


def on_starting(server: object) -> None:
    if os.environ.get("MINSHENG_PREFLIGHT", "1") == "0":
        return
    python = ROOT / ".venv" / "bin" / "python"
    command = [str(python if python.exists() else sys.executable), str(ROOT / "manage.py"), "preflight"]
    if os.environ.get("MINSHENG_REQUIRE_REDIS", "1") != "0":
        command.append("--require-redis")
    status = subprocess.run(command, cwd=ROOT, check=False).returncode  # noqa: S603  (its lines go to our stderr)
    if status:
        sys.exit(status)
