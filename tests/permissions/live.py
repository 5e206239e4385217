"""Runs a subscription row: each caller subscribes over graphql-transport-ws, an event is
made in or out of scope, and what arrives (an error, the event, or nothing) is the cell's
outcome. A connection refused for its token counts as UNAUTHENTICATED."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from core.db import write_session
from models.events import EventTopic, NotificationKind
from models.packages import RequestStage
from models.staff import Role
from resolvers.events.notifications import notify, record_event
from tests.packages import operations as ops
from tests.permissions.model import Caller, Outcome, Row, Scope
from tests.permissions.targets import Env, gid
from tests.realtime.test_subscriptions import caught_up
from tests.realtime.ws import Closed, GraphQLWebSocket

HEARD_WITHIN = 1.0  # seconds an event in scope takes at most to arrive, here

Trigger = Callable[[Env, Caller, Scope], Awaitable[str]]


async def _assigned_request(env: Env, scope: Scope, assignee: str) -> str:
    """A new request at the scope's plant, assigned by an administrator; its id."""
    request = await env.fresh_request(scope, RequestStage.REQUESTED)
    await ops.succeeded(
        env.client,
        "assignPackageRequest",
        {"requestId": gid("PackageRequest", request.id), "assigneeId": env.user(assignee)},
        token=env.world.token("admin"),
    )
    return gid("PackageRequest", request.id)


async def assign_to_the_caller_or_tech4(env: Env, caller: Caller, scope: Scope) -> str:
    if scope is Scope.OUT:
        return await _assigned_request(env, scope, "tech4")
    if caller.role is Role.TECHNICIAN and caller.user is not None:
        return await _assigned_request(env, scope, caller.user)
    return await _assigned_request(env, scope, "tech1")


async def a_step_at_the_scope_plant(env: Env, caller: Caller, scope: Scope) -> str:
    return await _assigned_request(env, scope, "tech1" if scope is Scope.IN else "tech4")


async def a_notification_for_the_caller_or_state2(env: Env, caller: Caller, scope: Scope) -> str:
    owner = caller.user if scope is Scope.IN and caller.user is not None else "state2"
    async with write_session(env.db) as session:
        event = await record_event(
            session,
            topic=EventTopic.PACKAGE_REQUEST,
            subject_type="PackageRequest",
            subject_id=0,
            actor_id=None,
        )
        (notification,) = await notify(
            session,
            recipients=[env.user_id(owner)],
            kind=NotificationKind.REQUEST_ASSIGNED,
            title="For the permission matrix",
            body="Made by the permission matrix.",
            actor_id=None,
            event=event,
        )
    return gid("Notification", notification.id)


TRIGGERS: dict[str, Trigger] = {
    "myAssignments": assign_to_the_caller_or_tech4,
    "packageRequestEvents": a_step_at_the_scope_plant,
    "notificationAdded": a_notification_for_the_caller_or_state2,
}


def _about(data: Any, target: str) -> bool:
    """Whether an event's data names ``target`` (the request or notification made)."""
    if isinstance(data, dict):
        return any(value == target or _about(value, target) for value in data.values())
    return False


def _codes(errors: list[dict[str, Any]]) -> str:
    return "+".join(sorted({str((e.get("extensions") or {}).get("code")) for e in errors}))


async def observe_live(env: Env, row: Row, caller: Caller, scope: Scope) -> tuple[str, str]:
    """The outcome of subscribing as ``caller`` and making an event in ``scope``."""
    socket = GraphQLWebSocket(env.app)
    await socket.open()
    try:
        token = env.world.token(caller.user) if caller.user is not None else None
        try:
            await socket.init(token)
        except Closed as closed:
            if closed.code == 4403:
                return Outcome.UNAUTHENTICATED, closed.reason
            return f"CLOSED {closed.code}", closed.reason
        cell = await row.prepare(env, caller, scope)
        await caught_up(env.app.state.runtime.feed)
        await socket.subscribe("1", row.document, cell.variables)
        target = None
        deadline = asyncio.get_running_loop().time() + HEARD_WITHIN + 0.2
        while True:
            try:
                message = await socket.receive(0.2 if target is None else HEARD_WITHIN)
            except TimeoutError:
                if target is None:
                    target = await TRIGGERS[row.field](env, caller, scope)
                    continue
                return Outcome.FILTERED, "nothing arrived"
            if message["type"] == "error":
                return _codes(message["payload"]), str(message["payload"][0].get("message"))
            payload = message.get("payload") or {}
            if payload.get("errors"):
                return _codes(payload["errors"]), str(payload["errors"][0].get("message"))
            if target is not None and _about(payload.get("data"), target):
                return Outcome.ALLOWED, ""
            if asyncio.get_running_loop().time() > deadline and target is not None:
                return Outcome.FILTERED, "only other events arrived"
    finally:
        await socket.close()
