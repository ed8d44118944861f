"""Writes of the outbox: the complainant's contact, queuing messages, delivery attempts.

Messages are queued inside a transaction and handed to the worker on commit; the worker
(``outbox.tasks``) calls :func:`delivery_attempt`, which is idempotent: a delivery that is
not due or already sent is left alone."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template import Context, Template
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.services import audit_record
from cases.models import Case, Level, Outcome, RedirectChannel
from outbox.backends import SmsError, get_sms_backend
from outbox.models import CaseContact, Delivery, Event, Language, Medium, MessageTemplate

log = logging.getLogger(__name__)

#: Minutes to wait after the n-th failed attempt (the last value repeats).
BACKOFF_MINUTES = (1, 5, 15, 60, 240, 720)

CN_MOBILE_DIGITS = 11


def normalise_phone(value: str) -> str:
    """A mainland mobile number as 11 digits (spaces, dashes and +86 removed), or
    ValidationError."""
    raw = "".join(ch for ch in (value or "") if ch.isdigit() or ch == "+")
    if raw.startswith("+86"):
        raw = raw[3:]
    elif raw.startswith("0086"):
        raw = raw[4:]
    if not raw.isdigit() or len(raw) != CN_MOBILE_DIGITS or not raw.startswith("1") or raw[1] not in "3456789":
        raise ValidationError(_("Enter a valid mobile phone number (11 digits, starting with 1)."), code="phone")
    return raw


def language_of(code: str | None) -> str:
    return Language.EN if (code or "").startswith("en") else Language.ZH_HANS


@transaction.atomic
def contact_set(*, actor: Any | None, case: Case, phone: str = "", email: str = "", language: str = Language.ZH_HANS) -> CaseContact | None:
    """Record how the complainant of ``case`` wants to be told. Empty phone and e-mail
    record nothing."""
    phone = normalise_phone(phone) if phone.strip() else ""
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError(_("Enter a valid e-mail address."), code="email")
    if not phone and not email:
        return None
    contact, created = CaseContact.objects.update_or_create(case=case, defaults={"phone": phone, "email": email, "language": language_of(language)})
    audit_record(
        actor=actor,
        action="outbox.contact_set",
        obj=case,
        after={"phone": bool(phone), "email": bool(email), "language": contact.language, "created": created},
    )
    return contact


def recipients_for(case: Case) -> list[tuple[str, str, str]]:
    """(medium, address, language) the complainant of ``case`` is told through: the contact
    given on the portal / Open311, else the named complainants' mobile numbers."""
    out: list[tuple[str, str, str]] = []
    contact = CaseContact.objects.filter(case=case).first()
    if contact is not None:
        if contact.phone:
            out.append((Medium.SMS, contact.phone, contact.language))
        if contact.email:
            out.append((Medium.EMAIL, contact.email, contact.language))
        return out
    seen: set[str] = set()
    for complainant in case.complainants.all():
        try:
            phone = normalise_phone(complainant.phone)
        except ValidationError:
            continue
        if phone not in seen:
            seen.add(phone)
            out.append((Medium.SMS, phone, Language.ZH_HANS))
    return out


def portal_link(case: Case) -> str:
    return f"{settings.PUBLIC_BASE_URL}/portal/track/?number={case.number}"


def case_context(case: Case, language: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The variables a template may use, in ``language``."""
    with translation.override(language):
        reply = getattr(case, "reply", None) if hasattr(case, "reply") else None
        outcome = str(Outcome(reply.outcome).label) if reply is not None and reply.outcome else ""
        unit = case.current_unit.display_name if case.current_unit_id else ""
        ctx: dict[str, Any] = {
            "number": case.number,
            "title": case.title,
            "code": Delivery.SECRET_MARK,
            "reason": case.decision_reason,
            "channel": str(RedirectChannel(case.redirect_channel).label) if case.redirect_channel else "",
            "outcome": outcome,
            "unit": unit,
            "link": portal_link(case),
            "days": "",
            "due": "",
        }
    if extra:
        ctx.update(extra)
    return ctx


def render(template: MessageTemplate, ctx: dict[str, Any]) -> tuple[str, str]:
    with translation.override(template.language):
        subject = Template(template.subject).render(Context(ctx, autoescape=False)).strip() if template.subject else ""
        body = Template(template.body).render(Context(ctx, autoescape=False)).strip()
    return subject[:200], body


def _template(event: str, medium: str, language: str) -> MessageTemplate | None:
    found = MessageTemplate.objects.filter(event=event, medium=medium, language=language).first()
    if found is None and language != Language.ZH_HANS:
        found = MessageTemplate.objects.filter(event=event, medium=medium, language=Language.ZH_HANS).first()
    return found if found is not None and found.is_active else None


def event_for_reply(case: Case) -> str:
    return {Level.REVIEW: Event.REVIEW_OPINION, Level.REREVIEW: Event.REREVIEW_OPINION}.get(case.level, Event.REPLIED)


@transaction.atomic
def message_queue(*, case: Case, event: str, key: str = "", secret: str = "", extra: dict[str, Any] | None = None) -> list[Delivery]:
    """Queue the ``event`` message to the complainant of ``case`` on every medium they gave.
    Idempotent per (event, case, key, medium, recipient): queuing twice sends once."""
    created: list[Delivery] = []
    for medium, address, language in recipients_for(case):
        template = _template(event, medium, language)
        if template is None:
            continue
        subject, body = render(template, case_context(case, template.language, extra))
        digest = hashlib.sha256(address.encode()).hexdigest()[:16]
        dedupe = f"{event}:{case.pk}:{key}:{medium}:{digest}"[:150]
        if Delivery.objects.filter(dedupe_key=dedupe).exists():
            continue
        try:
            with transaction.atomic():
                created.append(
                    Delivery.objects.create(
                        case=case,
                        event=event,
                        medium=medium,
                        recipient=address,
                        subject=subject,
                        body=body,
                        secret=secret if Delivery.SECRET_MARK in body else "",
                        dedupe_key=dedupe,
                    )
                )
        except IntegrityError:  # queued concurrently
            continue
    if created:
        audit_record(actor=None, action="outbox.queue", obj=case, after={"event": event, "messages": len(created), "media": sorted({d.medium for d in created})})
        ids = [d.pk for d in created]
        transaction.on_commit(lambda: _hand_to_worker(ids))
    return created


def _hand_to_worker(ids: list[int]) -> None:
    from outbox.tasks import deliver

    deliver(ids)


def _send(delivery: Delivery) -> str:
    text = delivery.body.replace(Delivery.SECRET_MARK, delivery.secret)
    if delivery.medium == Medium.SMS:
        return get_sms_backend().send(delivery.recipient, text)
    message = EmailMessage(subject=delivery.subject or text[:60], body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[delivery.recipient])
    message.send(fail_silently=False)
    return ""


def delivery_attempt(*, delivery_id: int, now: dt.datetime | None = None) -> Delivery | None:
    """Try to send one queued, due delivery. Claims it first, so two workers never send
    the same message; on failure schedules the next attempt, and after
    ``OUTBOX_MAX_ATTEMPTS`` marks it failed. Returns the delivery, or None when it was not
    due (already sent, failed, being sent, or not yet time)."""
    now = now or timezone.now()
    claimed = Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.QUEUED, next_attempt_at__lte=now).update(status=Delivery.Status.SENDING)
    if not claimed:
        return None
    delivery = Delivery.objects.get(pk=delivery_id)
    error = ""
    provider_id = ""
    try:
        provider_id = _send(delivery)
    except SmsError as exc:
        error = str(exc)
    except Exception as exc:  # an e-mail backend error, a misconfigured backend
        error = type(exc).__name__
    with transaction.atomic():
        delivery.attempts += 1
        if not error:
            delivery.status = Delivery.Status.SENT
            delivery.sent_at = timezone.now()
            delivery.provider_id = (provider_id or "")[:100]
            delivery.last_error = ""
            delivery.secret = ""
        elif delivery.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            delivery.status = Delivery.Status.FAILED
            delivery.last_error = error[:300]
            delivery.secret = ""
        else:
            delivery.status = Delivery.Status.QUEUED
            delivery.last_error = error[:300]
            wait = BACKOFF_MINUTES[min(delivery.attempts - 1, len(BACKOFF_MINUTES) - 1)]
            delivery.next_attempt_at = now + dt.timedelta(minutes=wait)
        delivery.save(update_fields=["attempts", "status", "sent_at", "provider_id", "last_error", "secret", "next_attempt_at"])
        audit_record(
            actor=None,
            action=f"outbox.{delivery.status}",
            obj=delivery,
            after={"event": delivery.event, "medium": delivery.medium, "attempts": delivery.attempts, "error": delivery.last_error},
        )
    if error:
        # No recipient, no text: only the id and the error class go to the log.
        log.warning("outbox delivery %s attempt %s failed: %s", delivery.pk, delivery.attempts, error)
    return delivery


@transaction.atomic
def delivery_retry(*, actor: Any, delivery: Delivery) -> Delivery:
    """An administrator sends a failed message again (from the delivery log)."""
    if delivery.status != Delivery.Status.FAILED:
        raise ValidationError(_("Only a failed message can be sent again."))
    if Delivery.SECRET_MARK in delivery.body and not delivery.secret:
        raise ValidationError(_("This message carried a query code that is no longer kept; it cannot be sent again."))
    delivery.status = Delivery.Status.QUEUED
    delivery.attempts = 0
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    audit_record(actor=actor, action="outbox.retry", obj=delivery)
    pk = delivery.pk
    transaction.on_commit(lambda: _hand_to_worker([pk]))
    return delivery
