"""Field-level permissions, declared on the field and shown in its description."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission

from models.staff import Role
from resolvers.context import RequestContext


class IsAuthenticated(BasePermission):
    """Any signed-in, active user."""

    message = "Sign in first: send Authorization: Bearer <token>."
    error_extensions = {"code": "UNAUTHENTICATED"}

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        context: RequestContext = info.context
        return context.actor is not None


def roles_permission(*roles: Role) -> type[BasePermission]:
    """A permission class admitting users with one of ``roles``.

    List it after :class:`IsAuthenticated`, which answers the signed-out case first.
    """
    allowed = frozenset(roles)
    names = ", ".join(sorted(role.value for role in allowed))

    class HasRole(BasePermission):
        message = f"Your role may not use this field (it needs one of: {names})."
        error_extensions = {"code": "FORBIDDEN"}

        def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
            context: RequestContext = info.context
            return context.actor is not None and context.actor.role in allowed

    HasRole.__name__ = f"HasRole[{names}]"
    return HasRole


def requirement(description: str, *roles: Role) -> str:
    """A field description that ends with who may use it, as GraphiQL shows it."""
    who = ", ".join(role.value for role in roles) if roles else "any signed-in user"
    return f"{description}\n\nRequires: {who}."
