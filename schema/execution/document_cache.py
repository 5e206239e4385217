"""Parsed and validated documents, remembered: the apps send the same few documents all
day, and parsing plus validating one costs milliseconds that its execution does not.

What is remembered depends only on the document's text and the schema: the parsed
document and the errors of the rules that need no variables (the standard rules, depth,
aliases). Limits that read the variables (input lists, cost) run on every request.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from graphql import DocumentNode, GraphQLError

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
