"""Execution that completes planned selections in bulk (see ``schema.execution.plans``).

graphql-core completes an object by executing its fields one at a time. This executor
asks for a plan of each object (or list) selection it is about to complete; with one, it
builds the whole subtree itself: attributes are read, leaves coerced, and the field
functions (the relations, which load through the request's DataLoaders) are called for
every object of a level and awaited together, so a level costs one round of batched
statements and no per-field machinery.

Standard execution stays the reference: whenever the bulk completion meets anything it
does not reproduce exactly (a field function raising or returning an error, a null where
the schema forbids one, a value a scalar refuses, an unexpected runtime type), it gives up
on that subtree and graphql-core completes the same value the standard way, producing the
standard data and errors. Only reads are repeated then, and the loaders' caches answer
them. ``tests/test_batched_execution.py`` compares both ways on every document in
``queries/``.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from graphql import (
    GraphQLLeafType,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    Undefined,
)
from graphql.execution.collect_fields import FieldDetails
from graphql.language import FieldNode, OperationDefinitionNode
from graphql.pyutils import AwaitableOrValue, Path
from strawberry.relay import GlobalID
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.info import Info

from schema.execution.plans import (
    Completion,
    FieldKind,
    FieldPlan,
    Leaf,
    NonNull,
    NotPlannable,
    ObjectOf,
    ObjectPlan,
    completion_for,
    uses_directives,
)

PLAN_CACHE_SIZE = 4096


class _GiveUp(Exception):
    """The bulk completion cannot reproduce standard execution here."""


class PlanCache:
    """Plans by (type, field nodes). The nodes belong to remembered parsed documents; the
    cache holds them, so that their ids are not reused while their plans are kept."""

    def __init__(self, size: int = PLAN_CACHE_SIZE) -> None:
        self.size = size
        self._plans: dict[tuple[object, ...], tuple[tuple[FieldNode, ...], Completion | None]] = {}
        self._operations: dict[int, tuple[OperationDefinitionNode, bool]] = {}

    def completion(
        self, executor: BatchedExecutor, return_type: GraphQLOutputType, details: list[Any]
    ) -> Completion | None:
        nodes = tuple(detail.node for detail in details)
        key = (return_type, *map(id, nodes))
        found = self._plans.get(key)
        if found is not None:
            return found[1]
        completion = self._build(executor, return_type, details)
        if len(self._plans) >= self.size:
            self._plans.clear()
            self._operations.clear()
        self._plans[key] = (nodes, completion)
        return completion

    def _build(
        self, executor: BatchedExecutor, return_type: GraphQLOutputType, details: list[Any]
    ) -> Completion | None:
        operation = executor.operation
        known = self._operations.get(id(operation))
        if known is None or known[0] is not operation:
            known = (operation, uses_directives(operation, executor.fragments))
            self._operations[id(operation)] = known
        if known[1]:
            return None
        try:
            return completion_for(return_type, details, executor.collect_subfields)
        except NotPlannable:
            return None


class SharedInfo(Info[Any, Any]):
    """The ``info`` of one planned field, given to its field function for every object of
    the subtree. Nothing that differs between those objects may be read from it, and
    nothing may be stored on it: its ``path`` and any attribute set after construction
    raise, so a field function that does either gives up the bulk completion and runs the
    standard way (with an ``info`` of its own), instead of sharing state across objects.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("_raw_info", "_field") and name not in self.__dict__:
            object.__setattr__(self, name, value)  # the dataclass's own __init__
            return
        raise AttributeError(f"a planned field's info is shared: cannot set {name!r}")

    @property
    def path(self) -> Path:
        raise AttributeError("a planned field's info is shared: it has no path of its own")


def _coerced(leaf: GraphQLLeafType, value: Any) -> Any:
    """``value`` as the scalar or enum ``leaf`` serializes it (graphql-core's own rule)."""
    coerced = leaf.coerce_output_value(value)
    if coerced is None or coerced is Undefined:
        raise _GiveUp
    return coerced


@dataclass(slots=True)
class _Pending:
    """A field function's awaitable result, to complete into ``container[key]``."""

    awaitable: Awaitable[Any]
    container: dict[str, Any]
    key: str
    completion: Completion


class _BulkCompletion:
    """One planned subtree of one request."""

    __slots__ = ("infos", "pending", "raw_info")

    def __init__(self, raw_info: GraphQLResolveInfo[Any]) -> None:
        self.raw_info = raw_info
        self.infos: dict[int, SharedInfo] = {}
        self.pending: list[_Pending] = []

    def complete(self, completion: Completion, value: Any) -> Any:
        kind = type(completion)
        if kind is NonNull:
            if value is None:
                raise _GiveUp
            return self.complete(completion.inner, value)  # type: ignore[union-attr]
        if value is None:
            return None
        if kind is Leaf:
            return _coerced(completion.type, value)  # type: ignore[union-attr]
        if kind is ObjectOf:
            return self.complete_object(completion.plan, value)  # type: ignore[union-attr]
        if not isinstance(value, (list, tuple)):
            raise _GiveUp
        item = completion.item  # type: ignore[union-attr]
        return [self.complete(item, each) for each in value]

    def complete_object(self, plan: ObjectPlan, source: Any) -> dict[str, Any]:
        object_type = plan.type
        is_type_of = object_type.is_type_of
        if is_type_of is not None and is_type_of(source, self.raw_info) is not True:
            raise _GiveUp
        result: dict[str, Any] = {}
        for field in plan.fields:
            kind = field.kind
            if kind is FieldKind.LEAF_ATTRIBUTE:
                value = getattr(source, field.attribute)
                if value is None:
                    if field.non_null:
                        raise _GiveUp
                    result[field.key] = None
                    continue
                result[field.key] = _coerced(field.leaf, value)  # type: ignore[arg-type]
                continue
            if kind is FieldKind.ATTRIBUTE:
                value = getattr(source, field.attribute)
            elif kind is FieldKind.TYPENAME:
                result[field.key] = object_type.name
                continue
            elif kind is FieldKind.GLOBAL_ID:
                node_id = getattr(source, field.attribute)
                if node_id is None:
                    raise _GiveUp
                value = GlobalID(type_name=object_type.name, node_id=str(node_id))
            else:
                value = self._call(field, source)
                if isinstance(value, Exception):
                    raise _GiveUp
                if inspect.isawaitable(value):
                    result[field.key] = None  # filled in by drain(), keeping the key order
                    self.pending.append(_Pending(value, result, field.key, field.completion))  # type: ignore[arg-type]
                    continue
            result[field.key] = self.complete(field.completion, value)  # type: ignore[arg-type]
        return result

    def _call(self, field: FieldPlan, source: Any) -> Any:
        arguments = (source,) if field.pass_source else ()
        keywords: dict[str, Any] = {}
        if field.source_keyword is not None:
            keywords[field.source_keyword] = source
        if field.info_keyword is not None:
            keywords[field.info_keyword] = self._info(field)
        return field.resolver(*arguments, **keywords)  # type: ignore[misc]

    def _info(self, field: FieldPlan) -> SharedInfo:
        # Our field functions read only info.context: one Info per planned field serves
        # every object of the subtree (see SharedInfo).
        info = self.infos.get(id(field))
        if info is None:
            info = self.infos[id(field)] = SharedInfo(_raw_info=self.raw_info, _field=field.field)  # type: ignore[arg-type]
        return info

    def discard(self) -> None:
        """Close the field functions' coroutines that were never awaited."""
        for entry in self.pending:
            if inspect.iscoroutine(entry.awaitable):
                entry.awaitable.close()
        self.pending.clear()

    async def drain(self) -> None:
        """Await the field functions level by level, all of a level together."""
        while self.pending:
            level, self.pending = self.pending, []
            values = await asyncio.gather(
                *(entry.awaitable for entry in level), return_exceptions=True
            )
            for entry, value in zip(level, values, strict=True):
                if isinstance(value, BaseException):
                    if not isinstance(value, Exception):
                        raise value
                    raise _GiveUp from value
                entry.container[entry.key] = self.complete(entry.completion, value)


class BatchedExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, completing planned selections in bulk."""

    plans: ClassVar[PlanCache] = PlanCache()

    def complete_object_value(
        self,
        return_type: GraphQLObjectType,
        field_details_list: list[FieldDetails],
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        def standard() -> AwaitableOrValue[dict[str, Any]]:
            return super(BatchedExecutor, self).complete_object_value(
                return_type, field_details_list, info, path, result, position_context
            )

        completion = self.plans.completion(self, return_type, field_details_list)
        if completion is None:
            return standard()
        return self._complete_in_bulk(completion, result, info, standard)

    def complete_list_value(
        self,
        return_type: Any,
        field_details_list: list[FieldDetails],
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> AwaitableOrValue[list[Any]]:
        def standard() -> AwaitableOrValue[list[Any]]:
            return super(BatchedExecutor, self).complete_list_value(
                return_type, field_details_list, info, path, result, position_context
            )

        if not isinstance(result, (list, tuple)):
            return standard()
        completion = self.plans.completion(self, return_type, field_details_list)
        if completion is None:
            return standard()
        return self._complete_in_bulk(completion, result, info, standard)

    @staticmethod
    def _complete_in_bulk(
        completion: Completion,
        value: Any,
        info: GraphQLResolveInfo[Any],
        standard: Callable[[], AwaitableOrValue[Any]],
    ) -> AwaitableOrValue[Any]:
        bulk = _BulkCompletion(info)
        try:
            completed = bulk.complete(completion, value)
        except Exception:  # anything unusual: the standard way decides (see the module doc)
            bulk.discard()
            return standard()
        if not bulk.pending:
            return completed
        return _finish(bulk, completed, standard)


async def _finish(
    bulk: _BulkCompletion, completed: Any, standard: Callable[[], AwaitableOrValue[Any]]
) -> Any:
    try:
        await bulk.drain()
    except Exception:  # as in _complete_in_bulk
        bulk.discard()
        fallback = standard()
        return await fallback if inspect.isawaitable(fallback) else fallback
    return completed
