"""Settings for the test suite: the normal settings with MINSHENG_TESTING on."""

import os

os.environ.setdefault("MINSHENG_TESTING", "1")

from minsheng.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", "django.contrib.auth.hashers.Argon2PasswordHasher"]
AXES_ENABLED = True
# An unchanged session is rewritten once per this many seconds (core.sessions); long enough
# that a slow test's requests do not differ in queries by a session write now and then.
SESSION_REFRESH_SECONDS = 600
# The tests' transactions never commit: fold the pending rollup additions at once (through
# the same triggers); the tests of folding at COMMIT turn this on (insights/tests/test_fold.py).
INSIGHTS_FOLD_AT_COMMIT = False
# A mirror of the test database as the reports replica alias; used only by the tests that
# turn REPORTS_DATABASE on (core/tests/test_replica.py).
DATABASES["reports"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
REPORTS_DATABASE = None
