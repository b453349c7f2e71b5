"""Test settings: the base settings with fast hashing and tasks run in process."""

import os

os.environ.setdefault("SIZHI_DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-0123456789abcdef")

from sizhi.config.settings import *  # noqa: F403
from sizhi.config.settings import STATIC_ROOT as _STATIC_ROOT

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ALLOWED_HOSTS = ["*"]
# Whitenoise warns about a missing static root; tests serve static files from the apps.
_STATIC_ROOT.mkdir(parents=True, exist_ok=True)
