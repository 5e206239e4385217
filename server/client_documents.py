"""The documents of queries/ as clients send them, and the hashes clients compute.

Apollo Client 4 adds ``__typename`` to every selection set below the operation (its
cache's document transform), prints the document with graphql-js ``print`` and sends the
sha256 of that text; @apollo/generate-persisted-query-manifest writes the same text and
id. urql adds ``__typename`` the same way, but its printer joins definitions with one
newline where graphql-js puts a blank line. GraphQL Codegen's client preset (persisted
documents) sorts the document (``printExecutableGraphQLDocument`` of @graphql-tools/
documents), prints it on one line and names it ``sha256:<hex>``.

tests/fixtures/client_documents.json holds what the real clients sent for every document
of queries/ (tools/clients/fixture.mjs); tests/test_client_documents.py checks these
functions against it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any, TypeVar

from graphql import (
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    NameNode,
    Node,
    OperationDefinitionNode,
    OperationType,
    SelectionNode,
    SelectionSetNode,
    parse,
)

from server.graphql_js_print import print_node as print_ast

N = TypeVar("N", bound=Node)

_TYPENAME = FieldNode(name=NameNode(value="__typename"), arguments=(), directives=())
_WHITESPACE = re.compile(r"\s+")


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _copy(node: N, **changes: Any) -> N:
    """A shallow copy of an AST node with some attributes replaced."""
    fields = {key: getattr(node, key, None) for key in node.keys}
    fields.update(changes)
    return type(node)(**fields)


def _with_typename(selection_set: SelectionSetNode | None) -> SelectionSetNode | None:
    """Apollo's addTypenameToDocument, below an operation's own selection set: every
    selection set gets ``__typename`` unless it selects a ``__``-field already."""
    if selection_set is None:
        return None
    selections = [_selection_with_typename(selection) for selection in selection_set.selections]
    if not any(
        isinstance(selection, FieldNode) and selection.name.value.startswith("__")
        for selection in selections
    ):
        selections.append(_TYPENAME)
    return _copy(selection_set, selections=tuple(selections))


def _selection_with_typename(selection: SelectionNode) -> SelectionNode:
    if isinstance(selection, FieldNode | InlineFragmentNode) and selection.selection_set:
        return _copy(selection, selection_set=_with_typename(selection.selection_set))
    return selection


def add_typename(document: DocumentNode) -> DocumentNode:
    definitions = []
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            root = definition.selection_set
            selections = tuple(_selection_with_typename(s) for s in root.selections)
            definition = _copy(definition, selection_set=_copy(root, selections=selections))
        elif isinstance(definition, FragmentDefinitionNode):
            definition = _copy(definition, selection_set=_with_typename(definition.selection_set))
        definitions.append(definition)
    return _copy(document, definitions=tuple(definitions))


def apollo_text(text: str) -> str:
    """The text Apollo Client 4 sends for ``text`` (and Apollo's manifest holds)."""
    return print_ast(add_typename(parse(text, no_location=True)))


def urql_text(text: str) -> str:
    """The text urql sends for ``text``: Apollo's, definitions a newline apart."""
    document = add_typename(parse(text, no_location=True))
    return "\n".join(print_ast(definition) for definition in document.definitions)


# GraphQL Codegen's persisted documents: @graphql-tools/documents' sorted printing.
def _by_key(nodes: Sequence[N] | None, key: Any) -> tuple[N, ...]:
    return tuple(sorted(nodes or (), key=key))  # sorted() is stable, as their sort is


def _selection_key(selection: SelectionNode) -> str:
    if isinstance(selection, FieldNode):
        return "0" + selection.name.value
    if isinstance(selection, FragmentSpreadNode):
        return "1" + selection.name.value
    assert isinstance(selection, InlineFragmentNode)  # noqa: S101
    condition = selection.type_condition.name.value if selection.type_condition else ""
    inner = _sorted_selection_set(selection.selection_set).selections
    printed = " ".join(print_ast(node) for node in inner)
    return "2" + condition + _WHITESPACE.sub(" ", printed).strip()


def _sorted_directives(directives: Sequence[DirectiveNode] | None) -> tuple[DirectiveNode, ...]:
    sorted_directives = [
        _copy(d, arguments=_by_key(d.arguments, lambda a: a.name.value)) for d in directives or ()
    ]
    return _by_key(sorted_directives, lambda d: d.name.value)


def _sorted_selection(selection: SelectionNode) -> SelectionNode:
    directives = _sorted_directives(selection.directives)
    if isinstance(selection, FieldNode | InlineFragmentNode) and selection.selection_set:
        inner = _sorted_selection_set(selection.selection_set)
        return _copy(selection, selection_set=inner, directives=directives)
    return _copy(selection, directives=directives)


def _sorted_selection_set(selection_set: SelectionSetNode, *, keep_order: bool = False) -> Any:
    selections = [_sorted_selection(selection) for selection in selection_set.selections]
    if not keep_order:
        selections = list(_by_key(selections, _selection_key))
    return _copy(selection_set, selections=tuple(selections))


def codegen_text(text: str) -> str:
    """The body GraphQL Codegen's client preset writes to persisted-documents.json."""
    document = parse(text, no_location=True)
    definitions = []
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            definition = _copy(
                definition,
                variable_definitions=_by_key(
                    definition.variable_definitions, lambda v: v.variable.name.value
                ),
                directives=_sorted_directives(definition.directives),
                # A mutation's root fields run in order: their order is kept.
                selection_set=_sorted_selection_set(
                    definition.selection_set,
                    keep_order=definition.operation == OperationType.MUTATION,
                ),
            )
        elif isinstance(definition, FragmentDefinitionNode):
            definition = _copy(
                definition,
                directives=_sorted_directives(definition.directives),
                selection_set=_sorted_selection_set(definition.selection_set),
            )
        definitions.append(definition)
    kinds = {FragmentDefinitionNode: "FragmentDefinition", OperationDefinitionNode: "Operation"}

    def order(definition: Any) -> tuple[str, int, str]:
        name = definition.name.value if getattr(definition, "name", None) else None
        return (kinds.get(type(definition), ""), name is None, name or "")

    ordered = _by_key(definitions, order)
    return _WHITESPACE.sub(" ", print_ast(_copy(document, definitions=ordered))).strip()


def client_texts(text: str) -> dict[str, str]:
    """The texts clients send for ``text``, by client: apollo, urql, codegen."""
    return {"apollo": apollo_text(text), "urql": urql_text(text), "codegen": codegen_text(text)}
