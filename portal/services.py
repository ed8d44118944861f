"""Writes of the public portal. Each one calls the case services (DESIGN.md principle 5);
the portal's own data is only the query code's hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import audit_record
from cases import services as case_services
from cases.models import Case, CaseType, Channel, ContactChannel, Level
from open311.services import check_photos
from outbox.models import Event
from outbox.services import contact_set, message_queue
from portal.models import QueryCode

#: Letters and digits that cannot be mistaken for one another (no 0/O, 1/I/L).
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
DESCRIPTION_MAX = 4000

PUBLIC_TYPES = (CaseType.COMPLAINT, CaseType.HELP, CaseType.CONSULTATION, CaseType.SUGGESTION, CaseType.APPEAL, CaseType.ACCUSATION)


def _digest(number: str, code: str) -> str:
    message = f"{number}:{normalise_code(code)}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def format_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


@transaction.atomic
def query_code_issue(*, case: Case, code: str = "") -> str:
    """A new secret query code for ``case`` (replacing any earlier one). Returns the code,
    which is stored only as a hash. ``code`` is for the demo data only (reproducible codes)."""
    code = normalise_code(code) or "".join(secrets.choice(ALPHABET) for _i in range(CODE_LENGTH))
    QueryCode.objects.update_or_create(case=case, defaults={"code_hash": _digest(case.number, code)})
    audit_record(actor=None, action="portal.code_issue", obj=case, object_label=case.number)
    return format_code(code)


def query_code_check(number: str, code: str) -> Case | None:
    """The case with this number if ``code`` is its query code, else None (same work either
    way, compared in constant time)."""
    number = (number or "").strip()
    row = QueryCode.objects.select_related("case").filter(case__number=number).first()
    expected = row.code_hash if row is not None else "0" * 64
    ok = hmac.compare_digest(expected, _digest(number, code))
    return row.case if (row is not None and ok) else None


@dataclass
class Submission:
    type: str
    description: str
    title: str = ""
    category: str = ""
    address: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    anonymous: bool = False
    name: str = ""
    phone: str = ""
    email: str = ""
    language: str = "zh-hans"
    token: str = ""
    photos: Sequence[tuple[IO[bytes], str]] = field(default_factory=list)


@dataclass
class Receipt:
    case: Case
    code: str  # empty when the same form was submitted before (the code was shown then)


@transaction.atomic
def portal_submit(*, data: Submission) -> Receipt:
    """Register a citizen's matter from the portal: the case through ``case_register``
    (channel web), the contact for messages, a query code (sent by SMS/e-mail on commit).
    All or nothing."""
    if data.type not in PUBLIC_TYPES:
        raise ValidationError({"type": _("Choose what kind of matter this is.")})
    description = (data.description or "").strip()
    if not description:
        raise ValidationError({"description": _("Describe the matter.")})
    if len(description) > DESCRIPTION_MAX:
        raise ValidationError({"description": _("At most %(max)d characters (you wrote %(n)d).") % {"max": DESCRIPTION_MAX, "n": len(description)}})
    photos = check_photos(list(data.photos))
    title = (data.title or "").strip() or description.splitlines()[0].strip()
    if len(title) > 60:
        title = title[:59] + "…"
    key = f"portal:{data.token}"[:100] if data.token else None
    if key and (existing := Case.objects.filter(idempotency_key=key).first()) is not None:
        return Receipt(case=existing, code="")
    people = [] if data.anonymous else [case_services.ComplainantIn(name=data.name.strip(), phone=data.phone.strip())]
    try:
        case = case_services.case_register(
            actor=None,
            channel=Channel.WEB,
            type=data.type,
            title=title,
            content=description,
            category=data.category or None,
            address=data.address,
            latitude=float(data.latitude) if data.latitude is not None else None,
            longitude=float(data.longitude) if data.longitude is not None else None,
            complainants=people,
            anonymous=data.anonymous,
            attachments=photos,
            idempotency_key=key,
        )
    except ValidationError as exc:
        raise _portal_error(exc)
    if QueryCode.objects.filter(case=case).exists():  # a concurrent double submit
        return Receipt(case=case, code="")
    contact_set(actor=None, case=case, phone=data.phone, email=data.email, language=data.language)
    code = query_code_issue(case=case)
    message_queue(case=case, event=Event.CODE_ISSUED, key="portal", secret=code)
    return Receipt(case=case, code=code)


FIELDS = {"content": "description", "title": "title", "category": "category", "address": "address", "latitude": "latitude", "longitude": "longitude"}


def _portal_error(exc: ValidationError) -> ValidationError:
    """A case service's refusal keyed by the portal form's fields."""
    if not hasattr(exc, "error_dict"):
        return exc
    out: dict[str, list[str]] = {}
    for key, messages in exc.message_dict.items():
        target = FIELDS.get(key) or ("name" if key.endswith(".name") else "phone" if key.endswith(".phone") else "__all__")
        out.setdefault(target, []).extend(messages)
    return ValidationError(out)


def chain(case: Case) -> list[Case]:
    """The case and its review and re-review cases, oldest first."""
    out = [case]
    node = case
    for _i in range(2):
        node = node.review_cases.order_by("id").first()  # type: ignore[assignment]
        if node is None:
            break
        out.append(node)
    return out


def portal_rate(*, case: Case, resolved: bool, satisfaction: str, comment: str = "") -> None:
    """The complainant rates the answer on the portal (a follow-up through the portal)."""
    target = chain(case)[-1]
    case_services.case_record_followup(
        actor=None,
        case=target,
        expected_version=None,
        resolved=resolved,
        satisfaction=satisfaction,
        comment=comment,
        channel=ContactChannel.PORTAL,
        by_complainant=True,
    )


def portal_request_review(*, case: Case, reason: str) -> Case:
    """The complainant asks for a review (or, of a review opinion, a re-review)."""
    target = chain(case)[-1]
    if target.level == Level.REREVIEW:
        raise ValidationError(_("The re-review opinion is final; no further review can be requested."))
    service = case_services.case_request_review if target.level == Level.ORIGINAL else case_services.case_request_rereview
    return service(actor=None, case=target, expected_version=None, reason=reason, by_complainant=True)


def portal_withdraw(*, case: Case, reason: str = "") -> Case:
    target = chain(case)[-1]
    return case_services.case_withdraw(actor=None, case=target, expected_version=None, reason=reason, by_complainant=True)
