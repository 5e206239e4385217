"""Trusted documents: the app's own operations (queries/*.graphql), known by sha256.

The manifest is built once at start-up. A client may send a document by its hash alone,
in the Apollo persisted-query form::

    {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "<hex>"}}}

and the server substitutes the text. Only the files of queries/ are trusted; outside
trusted-only mode, other documents sent with their hash are stored as automatic persisted
queries (``core.persisted_queries``), and found by hash alone afterwards. The checks
(hash lookup, trusted-only mode, introspection) are here; the view
(server.view.GridlineGraphQL) applies them per request.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    OperationDefinitionNode,
    parse,
)
from graphql.language import Visitor, visit

from core.persisted_queries import PersistedQueries
from server.client_documents import client_texts

QUERIES_DIR = Path(__file__).resolve().parent.parent / "queries"

PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
BAD_REQUEST = "BAD_REQUEST"
UNTRUSTED_DOCUMENT = "UNTRUSTED_DOCUMENT"
INTROSPECTION_DISABLED = "INTROSPECTION_DISABLED"

INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


def document_hash(text: str) -> str:
    """The sha256 hex of a document's exact text (UTF-8), as Apollo clients compute it."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_manifest(directory: Path = QUERIES_DIR) -> dict[str, str]:
    """Every ``*.graphql`` file of ``directory``, keyed by the sha256 of its exact text."""
    manifest: dict[str, str] = {}
    for path in sorted(directory.glob("*.graphql")):
        text = path.read_bytes().decode("utf-8")  # exact bytes: no newline translation
        manifest[document_hash(text)] = text
    return manifest


def operation_names(manifest: dict[str, str]) -> dict[str, str]:
    """Each trusted document's hash to its operation name(s), for logs."""
    names: dict[str, str] = {}
    for digest, text in manifest.items():
        document = parse(text, no_location=True)
        found = [
            definition.name.value
            for definition in document.definitions
            if isinstance(definition, OperationDefinitionNode) and definition.name
        ]
        names[digest] = ",".join(found) or "anonymous"
    return names


def client_forms(files: dict[str, str]) -> dict[str, str]:
    """Each file's texts as the clients send them (``server.client_documents``), keyed by
    the hash each client computes: Apollo Client and its manifest, urql, GraphQL Codegen."""
    forms: dict[str, str] = {}
    for text in files.values():
        for form in client_texts(text).values():
            forms.setdefault(document_hash(form), form)
    return forms


@dataclass(frozen=True)
class TrustedDocuments:
    """The manifest (hash to text) and, for logs, hash to operation name.

    ``by_hash`` holds each file of queries/ by the hash of its exact bytes and by the
    hashes the clients compute of the text they send (printed, ``__typename`` added, or
    sorted for GraphQL Codegen): a document arrives in any of these forms, by hash or
    text, and is trusted. ``files`` holds the files alone."""

    by_hash: dict[str, str]
    names: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, directory: Path = QUERIES_DIR) -> TrustedDocuments:
        files = load_manifest(directory)
        manifest = {**client_forms(files), **files}
        return cls(by_hash=manifest, names=operation_names(manifest), files=files)

    def by_name(self) -> dict[str, str]:
        """Each file's text by its operation name(s)."""
        files = self.files or self.by_hash
        return {self.names.get(digest, digest): text for digest, text in files.items()}

    def manifest_json(self) -> str:
        """The manifest of the files as JSON: ``{hash: {"name": ..., "body": ...}}``,
        sorted by name."""
        files = self.files or self.by_hash
        entries = sorted(files.items(), key=lambda item: self.names.get(item[0], ""))
        return json.dumps(
            {digest: {"name": self.names.get(digest), "body": text} for digest, text in entries},
            indent=2,
        )


class DocumentRefused(Exception):
    """A request refused before execution; carries the GraphQL error to answer with."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.error = GraphQLError(message, extensions={"code": code})


def persisted_hash(extensions: dict[str, Any] | None) -> str | None:
    """The ``sha256Hash`` of an Apollo ``persistedQuery`` extension, if one was sent."""
    if not extensions:
        return None
    persisted = extensions.get("persistedQuery")
    if persisted is None:
        return None
    if not isinstance(persisted, dict):
        raise DocumentRefused("persistedQuery must be an object.", BAD_REQUEST)
    version = persisted.get("version", 1)
    digest = persisted.get("sha256Hash")
    if version != 1 or not isinstance(digest, str):
        raise DocumentRefused(
            "persistedQuery needs version 1 and a sha256Hash string.", BAD_REQUEST
        )
    # GraphQL Codegen's ids (and the persisted documents of GraphQL over HTTP) name the
    # algorithm: "sha256:<hex>".
    return digest.lower().removeprefix("sha256:")


@dataclass(frozen=True)
class Resolved:
    """The document a request runs: its text, its trusted hash (None when not trusted)
    and, for a new automatic persisted query, the hash to store it under once it ran."""

    query: str | None
    trusted: str | None = None
    to_store: str | None = None


async def resolve_document(
    documents: TrustedDocuments,
    query: str | None,
    extensions: dict[str, Any] | None,
    *,
    trusted_only: bool,
    store: PersistedQueries | None = None,
) -> Resolved:
    """The document to run (Apollo's persisted-query protocol).

    A hash alone is looked up among the trusted documents, then in ``store`` (automatic
    persisted queries; None when they are off); a miss is PERSISTED_QUERY_NOT_FOUND, and
    the client sends the text with the hash again. A hash with a text must be the text's
    sha256; a text not trusted is to be stored. ``trusted_only`` refuses any document
    not in the manifest (UNTRUSTED_DOCUMENT).
    """
    digest = persisted_hash(extensions)
    if digest is not None and query is None:
        trusted = digest if digest in documents.by_hash else None
        query = documents.by_hash.get(digest)
        if query is None and store is not None and not trusted_only:
            query = await store.get(digest)
        if query is None:
            raise DocumentRefused("PersistedQueryNotFound", PERSISTED_QUERY_NOT_FOUND)
        return Resolved(query, trusted)
    if digest is not None and query is not None and document_hash(query) != digest:
        raise DocumentRefused(
            "The persistedQuery sha256Hash does not match the query.", BAD_REQUEST
        )
    if query is None:
        return Resolved(None)
    own = digest or document_hash(query)
    trusted = own if own in documents.by_hash else None
    if trusted_only and trusted is None:
        raise DocumentRefused(
            "Only the app's trusted documents are accepted here.", UNTRUSTED_DOCUMENT
        )
    to_store = digest if digest is not None and trusted is None and store is not None else None
    return Resolved(query, trusted, to_store)


class _IntrospectionFinder(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def enter_field(self, node: FieldNode, *_: object) -> object:
        if node.name.value in INTROSPECTION_FIELDS:
            self.found = True
            return self.BREAK
        return None


def selects_introspection(document: DocumentNode) -> bool:
    """Whether any operation or fragment selects ``__schema`` or ``__type``."""
    finder = _IntrospectionFinder()
    visit(document, finder)
    return finder.found


def check_introspection(query: str, max_tokens: int | None = None) -> None:
    """Refuse a document that selects ``__schema`` or ``__type``. A document that does not
    parse is left to the normal pipeline, which reports the syntax error."""
    try:
        document = parse(query, no_location=True, max_tokens=max_tokens)
    except GraphQLError:
        return
    if selects_introspection(document):
        raise DocumentRefused("Introspection is disabled.", INTROSPECTION_DISABLED)
