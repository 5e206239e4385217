"""Parsed and validated documents, remembered: the apps send the same few documents all
day, and parsing plus validating one costs milliseconds that its execution does not.

What is remembered depends only on the document's text and the schema: the parsed
document and the errors of the rules that need no variables (the standard rules, depth,
aliases). Limits that read the variables (input lists, cost) run on every request.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

from graphql import DocumentNode, GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from core.settings import Settings
from schema.execution.limits import complexity_errors

DEFAULT_SIZE = 512


@dataclass(slots=True)
class KnownDocument:
    document: DocumentNode
    # None until validated; then the errors of the variable-free rules (often none).
    errors: list[GraphQLError] | None = None


class DocumentCache:
    """A bounded, least-recently-used map from (schema, text) to a known document."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[int, int, str], KnownDocument] = OrderedDict()

    def get(self, key: tuple[int, int, str]) -> KnownDocument | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def put(self, key: tuple[int, int, str], entry: KnownDocument) -> None:
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


DOCUMENTS = DocumentCache()


class RememberedDocuments(SchemaExtension):
    """Parses and validates each document text once (per schema and token limit).

    Before parsing, a remembered document is handed to Strawberry, which then skips its
    parser; before validation, the remembered errors of the variable-free rules (the
    standard rules, then depth and aliases from ``schema.execution.limits``) are set as
    ``pre_execution_errors``, which makes Strawberry skip its own validation. The limits
    that read variables run after this, in ``QueryLimits``, on every request.
    """

    def __init__(self, settings: Settings, documents: DocumentCache = DOCUMENTS) -> None:
        self.settings = settings
        self.documents = documents

    def _key(self) -> tuple[int, int, str] | None:
        query = self.execution_context.query
        if not query:
            return None
        return (id(self.execution_context.schema), self.settings.max_tokens, query)

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        key = self._key()
        known = self.documents.get(key) if key is not None else None
        if known is not None and context.graphql_document is None:
            context.graphql_document = known.document  # Strawberry then skips parsing
        yield
        if key is not None and known is None and context.graphql_document is not None:
            self.documents.put(key, KnownDocument(context.graphql_document))

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.pre_execution_errors is None:
            key = self._key()
            known = self.documents.get(key) if key is not None else None
            if known is not None and known.document is document and known.errors is not None:
                context.pre_execution_errors = list(known.errors)
            else:
                schema = context.schema._schema
                errors = list(validate_document(schema, document, context.validation_rules))
                if not errors:
                    errors = complexity_errors(schema, document, self.settings)
                if known is not None and known.document is document:
                    known.errors = list(errors)
                context.pre_execution_errors = errors
        yield
