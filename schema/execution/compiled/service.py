"""Which documents are compiled, and answering a request with a compiled one.

The trusted documents (``queries/``) are compiled when the service starts; any other
document the first time its text arrives (parsing, validating and compiling it once costs
a few milliseconds, about what one standard execution costs; and a document answers the
same way, at the same cost in statements, from its first request on). The last
``CACHE_SIZE`` other texts are kept. A document that cannot be compiled is remembered
with the reason, which ``gridline compiled`` prints for the trusted ones.

``answer`` gives the response body, or None when the request must run the standard way:
a document or caller variant not compiled, a limit that would refuse the request, or
anything while running that the standard way answers differently (``Fallback``). Reads
only: running the standard way after a fallback repeats no write.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    OperationDefinitionNode,
    parse,
    validate,
    visit,
)
from graphql import Visitor as GraphQLVisitor
from sqlalchemy.ext.asyncio import AsyncEngine

from core.settings import Settings
from schema.execution.compiled.compiler import OperationCompiler
from schema.execution.compiled.roots import NodeRoot, Root, aggregates, lists
from schema.execution.compiled.roots.inventory import INVENTORY
from schema.execution.compiled.roots.packages import PACKAGE_REQUESTS
from schema.execution.compiled.roots.schemes import SCHEME_ENROLLMENTS
from schema.execution.compiled.roots.summary import PACKAGE_ACTIVITY_SUMMARY
from schema.execution.compiled.sources import (
    Fallback,
    NotCompiled,
    ObjectSource,
    consumers,
    events,
    geography,
    inventory,
    packages,
    schemes,
    staff,
)
from schema.execution.compiled.statements import driver_connection
from schema.execution.limits import (
    complexity_errors,
    estimate_cost,
    input_list_errors,
    nul_text_errors,
)

logger = logging.getLogger("gridline.compiled")


def _too_long_or_nul(value: Any, limit: int) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return len(value) > limit or any(_too_long_or_nul(item, limit) for item in value)
    if isinstance(value, dict):
        return any(_too_long_or_nul(item, limit) for item in value.values())
    return False


def _asks_for_nodes(document: DocumentNode) -> bool:
    found = []

    class Visitor(GraphQLVisitor):
        def enter_field(self, node: FieldNode, *_: Any) -> None:
            if node.name.value == "nodes" and node.arguments:
                found.append(node)

    visit(document, Visitor())
    return bool(found)


CACHE_SIZE = 512

SOURCES: Mapping[str, ObjectSource] = {
    source.name: source
    for module in (consumers, events, geography, inventory, packages, schemes, staff)
    for source in module.SOURCES
}
ROOTS: Mapping[str, Root] = {
    "packageRequests": PACKAGE_REQUESTS,
    "inventory": INVENTORY,
    "schemeEnrollments": SCHEME_ENROLLMENTS,
    "packageActivitySummary": PACKAGE_ACTIVITY_SUMMARY,
    "packageRequestCounts": aggregates.PACKAGE_REQUEST_COUNTS,
    "inventoryOverview": aggregates.INVENTORY_OVERVIEW,
    "unreadNotificationCount": aggregates.UNREAD_NOTIFICATION_COUNT,
    "schemeStats": aggregates.SCHEME_STATS,
    "states": lists.STATES,
    "packages": lists.PACKAGES,
    "warehouses": lists.WAREHOUSES_LIST,
    "schemes": lists.SCHEMES,
    "me": lists.ME,
    "plants": lists.PLANTS_ROOT,
    "consumers": lists.CONSUMERS,
    "users": lists.USERS,
    "notifications": lists.NOTIFICATIONS,
    "node": NodeRoot(),
}


@dataclass(frozen=True, slots=True)
class Answer:
    data: dict[str, Any]
    operation_name: str | None


@dataclass(slots=True)
class Entry:
    """A document text's operations: compiled, or why not."""

    document: DocumentNode | None
    operations: dict[str | None, OperationCompiler | str]
    # Whether its cost stays under the limit whatever page sizes are asked (checked once).
    cost_bounded: bool = False


class CompiledDocuments:
    """The compiled documents of one schema and database."""

    def __init__(
        self,
        schema: Any,
        engine: AsyncEngine,
        settings: Settings,
        trusted: Mapping[str, str] | None = None,
    ) -> None:
        self.schema = schema._schema  # graphql-core's schema under Strawberry's
        self.engine = engine
        self.settings = settings
        self.dialect = engine.dialect
        self.entries: OrderedDict[str, Entry] = OrderedDict()
        self.trusted = dict(trusted or {})
        self.answered = 0  # requests answered compiled, for tests and metrics
        # At most a pool's worth of compiled requests hold a connection at once: beyond
        # the pool, SQLAlchemy opens overflow connections and closes them on return, and
        # reconnecting (and preparing the statements again) for every request under load
        # costs more than waiting for a pooled connection (237 against 447 req/s, In
        # Process tab at c=32, PostgreSQL).
        pool_size = getattr(engine.sync_engine.pool, "size", None)
        self.connections = asyncio.Semaphore(
            pool_size() if callable(pool_size) else settings.database_pool_size
        )
        for text in self.trusted.values():
            self._compile(text)

    def report(self) -> dict[str, dict[str | None, str]]:
        """For each trusted document, each operation: "compiled" or why not."""
        report = {}
        for name, text in sorted(self.trusted.items()):
            entry = self.entries.get(text) or self._compile(text)
            report[name] = {
                operation: "compiled" if isinstance(found, OperationCompiler) else found
                for operation, found in entry.operations.items()
            }
        return report

    def operation(self, query: str, operation_name: str | None) -> OperationCompiler | None:
        entry = self.entries.get(query)
        if entry is None:
            entry = self._compile(query)
        else:
            self.entries.move_to_end(query)
        found = entry.operations.get(operation_name)
        if found is None and operation_name is None and len(entry.operations) == 1:
            found = next(iter(entry.operations.values()))
        return found if isinstance(found, OperationCompiler) else None

    def _remember(self, query: str, entry: Entry) -> None:
        self.entries[query] = entry
        while len(self.entries) > CACHE_SIZE + len(self.trusted):
            self.entries.popitem(last=False)

    def _compile(self, query: str) -> Entry:
        try:
            document = parse(query, max_tokens=self.settings.max_tokens)
        except GraphQLError:
            entry = Entry(None, {None: "does not parse"})
            self._remember(query, entry)
            return entry
        errors = validate(self.schema, document) or complexity_errors(
            self.schema, document, self.settings
        )
        operations: dict[str | None, OperationCompiler | str] = {}
        definitions = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        for definition in definitions:
            name = definition.name.value if definition.name else None
            if errors:
                operations[name] = "does not validate"
                continue
            try:
                operations[name] = OperationCompiler(
                    self.schema,
                    definition,
                    fragments,
                    SOURCES,
                    ROOTS,
                    self.settings,
                    self.dialect,
                )
            except NotCompiled as reason:
                operations[name] = str(reason)
        if not errors and (
            input_list_errors(document, {}, self.settings.max_input_list_length)
            or nul_text_errors(document, {})
        ):
            # Its literals alone break an input limit: the standard way refuses it.
            operations = dict.fromkeys(operations, "refused by the input limits")
        bounded = not errors and self._cost_bounded(document)
        entry = Entry(document, operations, cost_bounded=bounded)
        self._remember(query, entry)
        return entry

    async def answer(
        self,
        context: Any,
        query: str,
        operation_name: str | None,
        variables: Any,
    ) -> Answer | None:
        """The ``data`` of a compiled document, or None: run it the standard way."""
        compiled = self.operation(query, operation_name)
        if compiled is None or not isinstance(variables, dict | None):
            return None
        entry = self.entries[query]
        assert entry.document is not None  # noqa: S101
        if self._refused(entry, compiled.operation, variables or {}):
            return None
        try:
            async with self.connections, self.engine.connect() as connection:
                data = await compiled.run(context, variables, await driver_connection(connection))
        except Fallback:
            return None
        except Exception:  # a read: the standard way answers, and says what went wrong
            logger.warning("compiled execution failed; answered the standard way", exc_info=True)
            return None
        self.answered += 1
        name = compiled.operation.name
        return Answer(data, name.value if name is not None else None)

    def _cost_bounded(self, document: DocumentNode) -> bool:
        """Whether every operation's cost stays under the limit with every page at its
        largest: then no request's variables can make it too costly. (A list of ids, as
        ``nodes`` takes, can be as long as the input lists allow: not bounded here.)"""
        settings = self.settings
        if _asks_for_nodes(document):
            return False
        largest: dict[str, Any] = {}
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                for variable in definition.variable_definitions or ():
                    largest[variable.variable.name.value] = settings.page_size_max
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                name = definition.name.value if definition.name else None
                cost = estimate_cost(self.schema, document, largest, settings, name)
                if cost > settings.max_query_cost:
                    return False
        return True

    def _refused(
        self, entry: Entry, operation: OperationDefinitionNode, variables: dict[str, Any]
    ) -> bool:
        """Whether ``QueryLimits`` would refuse these variables (the standard way says how).

        The document's own literals passed the input limits when it was compiled; what is
        left to check is in the variables: lists too long, text holding U+0000."""
        settings = self.settings
        if _too_long_or_nul(variables, settings.max_input_list_length):
            return True
        if entry.cost_bounded:
            return False
        name = operation.name.value if operation.name else None
        cost = estimate_cost(self.schema, entry.document, variables, settings, name)
        return cost > settings.max_query_cost
