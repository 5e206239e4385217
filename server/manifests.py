"""The trusted documents as the client build tools write their manifests, so an app's
build and Gridline agree on every hash (``gridline documents --format ...``).

- ``apollo``: @apollo/generate-persisted-query-manifest's persisted-query manifest
  (``{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [...]}``),
  the ids Apollo Client 4's persisted-query link sends.
- ``codegen``: GraphQL Codegen's client preset ``persisted-documents.json``
  (``{"sha256:<hex>": body}``).
"""

from __future__ import annotations

import json
from typing import Any

from graphql import OperationDefinitionNode, parse

from server.client_documents import apollo_text, codegen_text, sha256
from server.trusted_documents import TrustedDocuments


def operations(text: str) -> list[tuple[str, str]]:
    """Each operation of a document: its name and type (query, mutation, subscription)."""
    document = parse(text, no_location=True)
    return [
        (definition.name.value if definition.name else "", definition.operation.value)
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
    ]


def apollo_manifest(documents: TrustedDocuments) -> dict[str, Any]:
    entries = []
    for text in documents.files.values():
        body = apollo_text(text)
        for name, kind in operations(text):
            entries.append({"id": sha256(body), "name": name, "type": kind, "body": body})
    entries.sort(key=lambda entry: entry["name"])
    return {"format": "apollo-persisted-query-manifest", "version": 1, "operations": entries}


def codegen_manifest(documents: TrustedDocuments) -> dict[str, str]:
    bodies = sorted(codegen_text(text) for text in documents.files.values())
    entries = {f"sha256:{sha256(body)}": body for body in bodies}
    return dict(sorted(entries.items(), key=lambda entry: operations(entry[1])[0][0]))


def manifest_text(documents: TrustedDocuments, format: str) -> str:
    """The manifest in ``format``: gridline (hash to name and file), apollo or codegen."""
    if format == "apollo":
        return json.dumps(apollo_manifest(documents), indent=2) + "\n"
    if format == "codegen":
        return json.dumps(codegen_manifest(documents), indent=2) + "\n"
    return documents.manifest_json() + "\n"
