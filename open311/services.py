"""Writes of the Open311 door: API keys, and filing a request through the case services.

No business rule of the case lifecycle lives here: a request becomes a case only through
``cases.services.case_register`` (DESIGN.md principle 5)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from audit.services import audit_record
from cases.models import Case, CaseType, Category, Channel
from cases.services import ComplainantIn, case_register
from files.services import max_upload_bytes, safe_name, sniff
from open311.models import Datatype, Open311Client, Open311Submission, ServiceAttribute
from outbox.services import contact_set

KEY_PREFIX = "o311_"
DESCRIPTION_MAX = 4000
MEDIA_MAX = 5
HTML_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>")
CJK = re.compile(r"[\u3400-\u9fff]")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@transaction.atomic
def open311_key_issue(*, actor: Any | None, name: str, contact: str = "") -> tuple[Open311Client, str]:
    """Issue an API key for a client application. Returns the row and the key, which is
    shown once and never stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Name the client application.")})
    secret = KEY_PREFIX + secrets.token_urlsafe(24)
    client = Open311Client.objects.create(
        name=name[:100], contact=(contact or "").strip()[:200], prefix=secret[:12], key_hash=_hash(secret), created_by=actor if getattr(actor, "pk", None) else None
    )
    audit_record(actor=actor, action="open311.key_issue", obj=client, after={"name": client.name})
    return client, secret


@transaction.atomic
def open311_key_revoke(*, actor: Any | None, client: Open311Client) -> Open311Client:
    if client.revoked_at is None:
        client.revoked_at = timezone.now()
        client.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="open311.key_revoke", obj=client)
    return client


def open311_authenticate(secret: str | None) -> Open311Client | None:
    """The active client an API key belongs to, or None. Touches ``last_used_at`` at most
    once a minute."""
    if not secret or not secret.startswith(KEY_PREFIX):
        return None
    client = Open311Client.objects.filter(key_hash=_hash(secret), revoked_at__isnull=True).first()
    if client is None:
        return None
    now = timezone.now()
    if client.last_used_at is None or (now - client.last_used_at).total_seconds() > 60:
        Open311Client.objects.filter(pk=client.pk).update(last_used_at=now)
    return client


@dataclass
class RequestIn:
    """A POST requests.{fmt} as parsed by the view (strings as sent)."""

    service_code: str
    description: str = ""
    lat: str = ""
    long: str = ""
    address_string: str = ""
    address_id: str = ""
    email: str = ""
    phone: str = ""
    first_name: str = ""
    last_name: str = ""
    device_id: str = ""
    media_urls: list[str] = field(default_factory=list)
    attributes: dict[str, list[str]] = field(default_factory=dict)
    files: list[tuple[IO[bytes], str]] = field(default_factory=list)
    idempotency_key: str = ""
    language: str = "zh-hans"


def _coordinate(value: str, name: str, lo: int, hi: int) -> float:
    try:
        number = Decimal(value.strip())
    except (InvalidOperation, AttributeError):
        raise ValidationError(_("%(name)s must be a decimal number (WGS84).") % {"name": name})
    if not number.is_finite() or not (lo <= number <= hi):
        raise ValidationError(_("%(name)s is out of range.") % {"name": name})
    return float(round(number, 6))


def clean_attributes(category: Category, given: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """Check the attribute answers against the category's definitions; returns
    {code: value or [values]}. Unknown attribute codes are ignored (clients such as
    FixMyStreet send their own, e.g. fixmystreet_id)."""
    out: dict[str, Any] = {}
    definitions = list(ServiceAttribute.objects.filter(category=category).prefetch_related("values"))
    for attr in definitions:
        values = [v.strip() for v in given.get(attr.code, []) if v is not None and v.strip()]
        if not attr.variable:
            continue
        if not values:
            if attr.required:
                raise ValidationError(_("attribute[%(code)s] is required: %(question)s") % {"code": attr.code, "question": attr.description})
            continue
        if attr.datatype == Datatype.MULTIVALUELIST:
            keys = {v.key for v in attr.values.all()}
            wrong = [v for v in values if v not in keys]
            if wrong:
                raise ValidationError(_("attribute[%(code)s] has a value that is not in its list: %(value)s") % {"code": attr.code, "value": wrong[0][:50]})
            out[attr.code] = values
            continue
        value = values[0]
        if attr.datatype == Datatype.SINGLEVALUELIST:
            if value not in {v.key for v in attr.values.all()}:
                raise ValidationError(_("attribute[%(code)s] has a value that is not in its list: %(value)s") % {"code": attr.code, "value": value[:50]})
        elif attr.datatype == Datatype.NUMBER:
            try:
                if not Decimal(value).is_finite():
                    raise InvalidOperation
            except InvalidOperation:
                raise ValidationError(_("attribute[%(code)s] must be a number.") % {"code": attr.code})
        elif attr.datatype == Datatype.DATETIME and parse_w3c(value) is None:
            raise ValidationError(_("attribute[%(code)s] must be a date and time such as 2026-01-31T09:30:00+08:00.") % {"code": attr.code})
        limit = 4000 if attr.datatype == Datatype.TEXT else 500
        if len(value) > limit:
            raise ValidationError(_("attribute[%(code)s] is too long (at most %(n)d characters).") % {"code": attr.code, "n": limit})
        out[attr.code] = value
    # Keep a client's own reference attributes (not defined here) for the record, bounded.
    for code, values in list(given.items())[:20]:
        if code not in out and code not in {a.code for a in definitions} and values:
            out[code[:50]] = str(values[0])[:200]
    return out


def parse_w3c(value: str) -> dt.datetime | None:
    """A W3C / ISO 8601 datetime (a date alone means its midnight), aware in the current
    time zone when no offset is given; None when malformed."""
    value = (value or "").strip()
    if not value:
        return None
    if value.endswith("z"):
        value = value[:-1] + "Z"
    try:
        parsed = parse_datetime(value)
        if parsed is None:
            parsed = dt.datetime.combine(dt.date.fromisoformat(value), dt.time())
    except ValueError:
        return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _check_media(urls: Sequence[str]) -> list[str]:
    check = URLValidator(schemes=["http", "https"])
    out = []
    for url in urls:
        url = (url or "").strip()
        if not url:
            continue
        if len(url) > 500:
            raise ValidationError(_("A media_url is longer than 500 characters."))
        try:
            check(url)
        except ValidationError:
            raise ValidationError(_("media_url “%(url)s” is not an http(s) URL.") % {"url": url[:80]})
        out.append(url)
    if len(out) > MEDIA_MAX:
        raise ValidationError(_("At most %(n)d media_url values are accepted.") % {"n": MEDIA_MAX})
    return out


def check_photos(files: Sequence[tuple[IO[bytes], str]]) -> list[tuple[IO[bytes], str]]:
    if len(files) > MEDIA_MAX:
        raise ValidationError(_("At most %(n)d photos are accepted.") % {"n": MEDIA_MAX})
    out = []
    limit = max_upload_bytes()
    for upload, name in files:
        data = upload.read(limit + 1)
        display = safe_name(name)
        if len(data) > limit:
            raise ValidationError(_("“%(name)s” is larger than %(mb)d MB.") % {"name": display, "mb": limit // (1024 * 1024)})
        if not data:
            raise ValidationError(_("“%(name)s” is empty.") % {"name": display})
        ext = display.rsplit(".", 1)[-1].lower() if "." in display else ""
        try:
            kind, _type = sniff(data, ext)
        except ValidationError:
            raise ValidationError(_("“%(name)s” is not a photo (JPEG, PNG, GIF or WebP).") % {"name": display})
        if kind != "image":
            raise ValidationError(_("“%(name)s” is not a photo (JPEG, PNG, GIF or WebP).") % {"name": display})
        out.append((io.BytesIO(data), display))
    return out


def _person_name(first: str, last: str) -> str:
    first, last = first.strip(), last.strip()
    if CJK.search(first + last):
        return f"{last}{first}"
    return f"{first} {last}".strip()


@transaction.atomic
def open311_request_create(*, client: Open311Client, data: RequestIn) -> Case:
    """File a service request: check it as GeoReport v2 says, then register the case through
    ``case_register`` (channel Open311), record the contact for messages and the
    submission. All or nothing; a ValidationError names the bad argument."""
    code = (data.service_code or "").strip()
    category = Category.objects.filter(code=code, is_active=True).first()
    if category is None:
        raise LookupError(code)
    description = (data.description or "").strip()
    if HTML_TAG.search(description):
        description = strip_tags(description).strip()
    if not description:
        raise ValidationError(_("description is required."))
    if len(description) > DESCRIPTION_MAX:
        raise ValidationError(_("description may be at most %(max)d characters (it has %(n)d).") % {"max": DESCRIPTION_MAX, "n": len(description)})
    lat = lon = None
    if data.lat.strip() or data.long.strip():
        if not (data.lat.strip() and data.long.strip()):
            raise ValidationError(_("lat and long must be given together."))
        lat = _coordinate(data.lat, "lat", -90, 90)
        lon = _coordinate(data.long, "long", -180, 180)
    address = strip_tags(data.address_string or "").strip()
    address_id = (data.address_id or "").strip()
    if lat is None and not address and not address_id:
        raise ValidationError(_("A location is required: lat and long, address_string or address_id."))
    if len(address) > 200:
        raise ValidationError(_("address_string may be at most 200 characters."))
    if not address and address_id:
        address = _("Address id %(id)s") % {"id": address_id[:100]}
    email = (data.email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError(_("email is not a valid e-mail address."))
    phone = (data.phone or "").strip()
    name = _person_name(data.first_name or "", data.last_name or "")
    attributes = clean_attributes(category, data.attributes)
    media = _check_media(data.media_urls)
    photos = check_photos(data.files)

    lines = [description]
    defined = {a.code: a for a in ServiceAttribute.objects.filter(category=category).prefetch_related("values")}
    extra = []
    for attr_code, value in attributes.items():
        attr = defined.get(attr_code)
        if attr is None:
            continue
        names = {v.key: v.name for v in attr.values.all()}
        shown = "、".join(names.get(v, v) for v in value) if isinstance(value, list) else names.get(value, value)
        extra.append(f"{attr.description}：{shown}")
    if extra:
        lines.append(_("Additional information:") + "\n" + "\n".join(extra))
    if media:
        lines.append(_("Photo links sent by the client (not fetched):") + "\n" + "\n".join(media))
    first_line = description.splitlines()[0].strip()
    title = f"{category.name}：{first_line}"
    title = title[:60] + ("…" if len(title) > 60 else "")
    key = (data.idempotency_key or "").strip()
    if not key and isinstance(attributes.get("fixmystreet_id"), str):
        key = f"fixmystreet:{attributes['fixmystreet_id']}"
    idempotency_key = f"open311:{client.pk}:{key}"[:100] if key else None
    if idempotency_key and (existing := Case.objects.filter(idempotency_key=idempotency_key).first()) is not None:
        return existing
    try:
        case = case_register(
            actor=None,
            channel=Channel.OPEN311,
            type=CaseType.COMPLAINT,
            title=title,
            content="\n\n".join(lines),
            category=category,
            address=address,
            latitude=lat,
            longitude=lon,
            complainants=[ComplainantIn(name=name[:60], phone=phone)] if name else (),
            anonymous=not name,
            attachments=photos,
            idempotency_key=idempotency_key,
        )
    except ValidationError as exc:
        raise ValidationError(_open311_message(exc))
    if Open311Submission.objects.filter(case=case).exists():  # a concurrent retry won the race
        return case
    # The phone and e-mail are kept only to tell the complainant of this case's steps (a
    # phone that is not a mainland mobile number cannot take SMS and is not kept for that).
    try:
        contact_set(actor=None, case=case, phone=phone, email=email, language=data.language)
    except ValidationError:
        contact_set(actor=None, case=case, phone="", email=email, language=data.language)
    Open311Submission.objects.create(case=case, client=client, attributes=attributes, media_urls=media)
    audit_record(actor=None, action="open311.request_create", obj=case, object_label=case.number, after={"client": client.name, "service_code": code, "media": len(media), "photos": len(photos)})
    return case


FIELD_NAMES = {
    "content": "description",
    "title": "description",
    "address": "address_string",
    "latitude": "lat",
    "longitude": "long",
    "complainants.0.name": "first_name/last_name",
    "complainants.0.phone": "phone",
}


def _open311_message(exc: ValidationError) -> str:
    """A case service's refusal in GeoReport terms ("phone: ...")."""
    if hasattr(exc, "error_dict"):
        parts = []
        for key, errors in exc.message_dict.items():
            label = FIELD_NAMES.get(key, key)
            parts.append(f"{label}: {' '.join(errors)}" if key != "__all__" else " ".join(errors))
        return "; ".join(parts)
    return " ".join(exc.messages)
