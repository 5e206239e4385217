"""The subscription documents live subscriptions serve: one root field of ``LIVE_FIELDS``,
no fragments, no directives; anything else runs the standard way."""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLField,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    parse,
    validate,
)

from schema.events.subscriptions import LIVE_FIELDS, LiveField

DOCUMENTS_KEPT = 64


@dataclass(frozen=True, slots=True)
class LiveDocument:
    """A subscription document this module serves: one root field of ``LIVE_FIELDS``."""

    query: str
    document: DocumentNode
    operation: OperationDefinitionNode
    key: str
    node: FieldNode
    definition: GraphQLField
    live: LiveField

    @property
    def name(self) -> str | None:
        return self.operation.name.value if self.operation.name else None


class LiveDocuments:
    """Documents read once and kept (the last ``DOCUMENTS_KEPT``), or None: not served."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self.schema = schema
        self._read: dict[tuple[str, str | None], LiveDocument | None] = {}

    def get(self, query: str, operation_name: str | None) -> LiveDocument | None:
        key = (query, operation_name)
        if key not in self._read:
            if len(self._read) >= DOCUMENTS_KEPT:
                self._read.pop(next(iter(self._read)))
            self._read[key] = read_document(self.schema, query, operation_name)
        return self._read[key]


def read_document(
    schema: GraphQLSchema, query: str, operation_name: str | None
) -> LiveDocument | None:
    try:
        document = parse(query)
    except GraphQLError:
        return None
    if validate(schema, document):
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [
        o
        for o in operations
        if operation_name is None or (o.name and o.name.value == operation_name)
    ]
    if len(chosen) != 1 or len(operations) != len(document.definitions):
        return None  # fragments, or no single operation: the standard way
    operation = chosen[0]
    if operation.operation is not OperationType.SUBSCRIPTION or operation.directives:
        return None
    selections = operation.selection_set.selections
    if len(selections) != 1 or not isinstance(selections[0], FieldNode):
        return None
    node = selections[0]
    live = LIVE_FIELDS.get(node.name.value)
    subscription_type = schema.subscription_type
    if live is None or node.directives or subscription_type is None:
        return None
    definition = subscription_type.fields[node.name.value]
    key = node.alias.value if node.alias else node.name.value
    return LiveDocument(query, document, operation, key, node, definition, live)
