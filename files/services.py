"""Storing uploads safely: type by content (not by name), size limits, a pluggable
virus-scan hook, and storage outside the web root."""

from __future__ import annotations

import errno
import hashlib
import io
import logging
import os
import re
import unicodedata
import uuid
import zipfile
from pathlib import Path
from typing import IO

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from audit.services import audit_record
from files.models import StoredFile

# kind -> (allowed extensions, allowed sniffed MIME types)
KINDS: dict[str, tuple[set[str], set[str]]] = {
    "image": ({"jpg", "jpeg", "png", "gif", "webp"}, {"image/jpeg", "image/png", "image/gif", "image/webp"}),
    "pdf": ({"pdf"}, {"application/pdf"}),
    "office": (
        {"docx", "xlsx", "pptx", "doc", "xls", "ppt"},
        {
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "application/msword",
            "application/vnd.ms-excel",
            "application/vnd.ms-powerpoint",
            "application/x-ole-storage",
            "application/zip",
        },
    ),
    "audio": (
        {"mp3", "wav", "m4a", "amr", "ogg"},
        {"audio/mpeg", "audio/x-wav", "audio/wav", "audio/mp4", "audio/m4a", "audio/amr", "audio/ogg", "video/mp4"},
    ),
}
log = logging.getLogger(__name__)

OOXML_PARTS = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def max_upload_bytes() -> int:
    return int(getattr(settings, "MAX_UPLOAD_MB", 20)) * 1024 * 1024


def safe_name(name: str) -> str:
    """A display name without paths, control characters or odd separators."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").split("/")[-1]
    name = re.sub(r"[\x00-\x1f\x7f<>:\"|?*]", "", name).strip().lstrip(".")
    return name[:200] or "file"


def sniff(data: bytes, ext: str) -> tuple[str, str]:
    """(kind, content type) of ``data`` checked against the extension, or ValidationError."""
    ext = ext.lower()
    kind = next((k for k, (exts, _m) in KINDS.items() if ext in exts), None)
    if kind is None:
        raise ValidationError(
            _("Files of type “.%(ext)s” are not accepted. Accepted: images, PDF, Office documents and audio.") % {"ext": ext or "?"}
        )
    mismatch = ValidationError(_("The file's content does not match its name “.%(ext)s”.") % {"ext": ext})
    if ext in OOXML_PARTS:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = zf.namelist()
                total = sum(i.file_size for i in zf.infolist())
        except zipfile.BadZipFile:
            raise mismatch
        if "[Content_Types].xml" not in names or not any(n.startswith(OOXML_PARTS[ext]) for n in names):
            raise mismatch
        if total > 20 * max_upload_bytes():
            raise ValidationError(_("The document expands to an implausible size and was refused."))
        return kind, _OOXML_TYPES[ext]
    if ext in {"doc", "xls", "ppt"}:
        if not data.startswith(OLE_MAGIC):
            raise mismatch
        return kind, {"doc": "application/msword", "xls": "application/vnd.ms-excel", "ppt": "application/vnd.ms-powerpoint"}[ext]
    guessed = filetype.guess(data)
    if guessed is None or guessed.mime not in KINDS[kind][1]:
        raise mismatch
    if kind == "image" and guessed.extension not in ({"jpg", "jpeg"} if ext in {"jpg", "jpeg"} else {ext}):
        raise mismatch
    return kind, guessed.mime


_OOXML_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


def _scan(path: Path) -> None:
    scanner = getattr(settings, "FILE_SCANNER", "")
    if scanner:
        import_string(scanner)(path)  # raises ValidationError when the file is infected


@transaction.atomic
def file_store(*, actor: object | None, upload: IO[bytes], name: str, allowed_kinds: set[str] | None = None) -> StoredFile:
    """Check and store one upload. Raises ValidationError with a clear message, storing nothing."""
    display = safe_name(name)
    ext = display.rsplit(".", 1)[-1].lower() if "." in display else ""
    limit = max_upload_bytes()
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(_("“%(name)s” is larger than %(mb)d MB.") % {"name": display, "mb": limit // (1024 * 1024)})
    if not data:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": display})
    kind, content_type = sniff(data, ext)
    if allowed_kinds is not None and kind not in allowed_kinds:
        raise ValidationError(_("“%(name)s” is not an accepted kind of file here.") % {"name": display})
    file_id = uuid.uuid4()
    rel = Path(timezone.now().strftime("%Y/%m")) / file_id.hex
    path = Path(settings.MEDIA_ROOT) / rel
    try:
        _write(path, data, display)
        _scan(path)
        stored = StoredFile.objects.create(
            id=file_id,
            original_name=display,
            kind=kind,
            content_type=content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            storage_path=str(rel),
            uploaded_by=actor if getattr(actor, "pk", None) else None,
        )
        audit_record(actor=actor, action="file.store", obj=stored, after={"name": display, "size": len(data), "kind": kind})
    except BaseException:
        path.unlink(missing_ok=True)  # refused, failed or interrupted here: no bytes without a row
        raise
    # When the caller's transaction rolls back later, the bytes stay without a row:
    # `manage.py clean_orphan_files` (and its nightly job) removes them after a grace period.
    return stored


def _write(path: Path, data: bytes, display: str) -> None:
    """Write the bytes durably; a full disk or another storage failure becomes a clear
    ValidationError and leaves no partial file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "xb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
    except OSError as exc:
        path.unlink(missing_ok=True)
        log.error("storing an upload at %s failed: %s", path, exc)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise ValidationError(
                _("The server's disk is full, so “%(name)s” could not be saved. Nothing was stored; please tell the administrator.")
                % {"name": display}
            )
        raise ValidationError(
            _("“%(name)s” could not be saved because of a storage error. Nothing was stored; please try again later.") % {"name": display}
        )


def file_path(stored: StoredFile) -> Path:
    return Path(settings.MEDIA_ROOT) / stored.storage_path
