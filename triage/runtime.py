"""Where model files live, and the in-process cache of the active routing model.

Model files are written under ``TRIAGE_MODEL_DIR`` (default ``MEDIA_ROOT/triage``, the
storage uploaded files use, so every app server and worker sees the same files). Each
file is signed with a key derived from ``SECRET_KEY`` (lib.triage.store): a file that is
missing, truncated, corrupt or not ours is refused before it is unpickled, and the
caller falls back to the administrators' rules.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from lib.triage.model import MODEL_FORMAT, RoutingModel
from lib.triage.store import ModelFileError, load
from triage.models import ClassifierVersion

log = logging.getLogger(__name__)

_lock = threading.Lock()
_cache: dict[tuple[int, str], RoutingModel] = {}


def model_dir() -> Path:
    configured = getattr(settings, "TRIAGE_MODEL_DIR", None)
    return Path(configured) if configured else Path(settings.MEDIA_ROOT) / "triage"


def model_key() -> bytes:
    return hashlib.sha256(b"minsheng-triage-model:" + settings.SECRET_KEY.encode()).digest()


def model_path(version: ClassifierVersion) -> Path:
    return model_dir() / version.file_name


@dataclass
class Loaded:
    version: ClassifierVersion | None
    model: RoutingModel | None
    error: str = ""


def active_version() -> ClassifierVersion | None:
    return ClassifierVersion.objects.filter(is_active=True, status=ClassifierVersion.Status.READY).first()


def load_version(version: ClassifierVersion) -> RoutingModel:
    """The model of a version, from the cache or its file. Raises ModelFileError."""
    key = (version.pk, version.sha256)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    with _lock:
        cached = _cache.get(key)
        if cached is not None:
            return cached
        obj, meta = load(model_path(version), key=model_key())
        if not isinstance(obj, RoutingModel):
            raise ModelFileError("the file does not hold a routing model")
        if getattr(obj, "format", 0) != MODEL_FORMAT:
            raise ModelFileError(
                f"the model was written in format {getattr(obj, 'format', 0)}, this code reads format {MODEL_FORMAT}; retrain"
            )
        if meta.get("payload_sha256") != version.sha256:
            raise ModelFileError("the file is not the one this version was saved with")
        # keep only the active model and the one being looked at (rollback previews)
        while len(_cache) >= 2:
            _cache.pop(next(iter(_cache)))
        _cache[key] = obj
        return obj


def load_active() -> Loaded:
    return loaded_for(active_version())


def loaded_for(version: ClassifierVersion | None) -> Loaded:
    """The model of ``version`` (the one in use, e.g. from :mod:`triage.cache`), no query."""
    if version is None:
        return Loaded(None, None)
    try:
        return Loaded(version, load_version(version))
    except ModelFileError as exc:
        log.warning("triage model v%s unusable: %s", version.number, exc)
        return Loaded(version, None, str(exc))


def forget(version: ClassifierVersion | None = None) -> None:
    with _lock:
        if version is None:
            _cache.clear()
        else:
            for key in [k for k in _cache if k[0] == version.pk]:
                _cache.pop(key, None)
