"""Settings for the test suite: the normal settings with MINSHENG_TESTING on."""

import os

os.environ.setdefault("MINSHENG_TESTING", "1")

from minsheng.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", "django.contrib.auth.hashers.Argon2PasswordHasher"]
AXES_ENABLED = True
