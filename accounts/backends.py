"""Django's model backend, reading a signed-in user's roles with the user.

Every staff request loads its user from the session and then asks for the user's roles
(``User.role_set``): two queries before the view starts. :class:`ModelBackend` reads both
in one (the roles as a subquery aggregated into one string), so that a request starts
with one query. Everything else is Django's ``ModelBackend``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.db.models import Aggregate, CharField, OuterRef, Subquery

from accounts.models import RoleAssignment, User

PATH = "accounts.backends.ModelBackend"


class _RoleList(Aggregate):
    """The roles of a user as one comma-separated string (role codes have no commas)."""

    function = "STRING_AGG"
    template = "%(function)s(%(expressions)s, ',')"
    output_field = CharField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(compiler, connection, function="GROUP_CONCAT", **extra)


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        roles = RoleAssignment.objects.filter(user_id=OuterRef("pk")).order_by().values("user_id").annotate(r=_RoleList("role")).values("r")
        user = User._default_manager.filter(pk=user_id).annotate(role_list=Subquery(roles)).first()
        if user is None or not self.user_can_authenticate(user):
            return None
        # fills the cached property, so that has_role() asks nothing more
        user.__dict__["role_set"] = frozenset(r for r in (user.role_list or "").split(",") if r) if user.is_active else frozenset()
        return user
