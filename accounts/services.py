"""Writes on units, users, roles and API tokens. Each is one transaction with its audit row."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ApiToken, Role, RoleAssignment, Unit, User
from audit.services import audit_record

TOKEN_PREFIX = "msk_"


@transaction.atomic
def unit_create(
    *,
    actor: User | None,
    name: str,
    code: str,
    kind: str,
    parent: Unit | None = None,
    name_en: str = "",
    is_coordinating: bool = False,
    phone: str = "",
    sort_order: int = 0,
) -> Unit:
    if Unit.objects.filter(code=code).exists():
        raise ValidationError({"code": _("A unit with this code already exists.")})
    unit = Unit.objects.create(
        name=name,
        name_en=name_en,
        code=code,
        kind=kind,
        parent=parent,
        is_coordinating=is_coordinating,
        phone=phone,
        sort_order=sort_order,
    )
    unit.path = f"{parent.path if parent else ''}{unit.pk:06d}/"
    unit.depth = (parent.depth + 1) if parent else 0
    unit.save(update_fields=["path", "depth"])
    audit_record(actor=actor, action="unit.create", obj=unit, after={"name": name, "code": code, "kind": kind})
    return unit


@transaction.atomic
def unit_set_leader(*, actor: User | None, unit: Unit, leader: User | None) -> Unit:
    before = {"leader": str(unit.leader) if unit.leader else None}
    unit.leader = leader
    unit.save(update_fields=["leader"])
    audit_record(actor=actor, action="unit.set_leader", obj=unit, before=before, after={"leader": str(leader)})
    return unit


def unit_rebuild_paths(unit: Unit) -> None:
    """Recompute path/depth of ``unit`` and its subtree after a parent change (called by admin saves)."""
    parent = unit.parent
    unit.path = f"{parent.path if parent else ''}{unit.pk:06d}/"
    unit.depth = (parent.depth + 1) if parent else 0
    unit.save(update_fields=["path", "depth"])
    for child in unit.children.all():
        unit_rebuild_paths(child)


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str | None,
    full_name: str,
    unit: Unit | None,
    roles: Iterable[str] = (),
    phone: str = "",
    email: str = "",
    title: str = "",
    validate: bool = True,
) -> User:
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This user name is taken.")})
    user = User(username=username, full_name=full_name, unit=unit, phone=phone, email=email, title=title)
    if password:
        if validate:
            validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.is_staff = Role.ADMIN in set(roles)
    user.is_superuser = Role.ADMIN in set(roles)
    user.save()
    role_list = sorted(set(roles))
    for role in role_list:
        Role(role)  # raises ValueError on an unknown role
        RoleAssignment.objects.create(user=user, role=role)
    audit_record(
        actor=actor,
        action="user.create",
        obj=user,
        after={"username": username, "unit": str(unit) if unit else None, "roles": role_list},
    )
    return user


@transaction.atomic
def user_set_roles(*, actor: User | None, user: User, roles: Iterable[str]) -> User:
    new = sorted(set(roles))
    for role in new:
        Role(role)
    before = sorted(user.role_assignments.values_list("role", flat=True))
    user.role_assignments.exclude(role__in=new).delete()
    for role in set(new) - set(before):
        RoleAssignment.objects.create(user=user, role=role)
    user.is_staff = user.is_superuser = Role.ADMIN in new
    user.save(update_fields=["is_staff", "is_superuser"])
    user.__dict__.pop("role_set", None)
    audit_record(actor=actor, action="user.set_roles", obj=user, before={"roles": before}, after={"roles": new})
    return user


@transaction.atomic
def user_change_password(*, actor: User, user: User, old_password: str, new_password: str) -> User:
    if not user.check_password(old_password):
        raise ValidationError({"old_password": _("The current password is not correct.")})
    validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_record(actor=actor, action="user.change_password", obj=user)
    return user


def _hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_issue(*, actor: User | None, user: User, name: str) -> tuple[ApiToken, str]:
    """Issue a token; returns the row and the secret, which is shown once and never stored."""
    name = (name or "").strip() or _("API token")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name[:60], prefix=secret[:12], key_hash=_hash_token(secret))
    audit_record(actor=actor or user, action="api_token.issue", obj=token, after={"user": user.username, "name": name})
    return token, secret


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="api_token.revoke", obj=token)
    return token


def api_token_authenticate(secret: str) -> User | None:
    """The active user a bearer secret belongs to, or None. Touches last_used_at at most once a minute."""
    if not secret or not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user", "user__unit")
        .filter(key_hash=_hash_token(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
