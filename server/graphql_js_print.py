"""graphql-js 16's ``print`` of executable documents, which the clients hash.

graphql-core follows graphql-js 17, whose printer differs (``{ a: 1 }`` for
``{a: 1}``, long object and list values wrapped); Apollo Client 4, urql and GraphQL
Codegen print with graphql-js 16, and a trusted document's hash is the sha256 of that
exact text, so it is reproduced here rule for rule.
"""

from __future__ import annotations

from collections.abc import Iterable

from graphql import (
    ArgumentNode,
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    EnumValueNode,
    FieldNode,
    FloatValueNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    IntValueNode,
    ListTypeNode,
    ListValueNode,
    NamedTypeNode,
    Node,
    NonNullTypeNode,
    NullValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    VariableDefinitionNode,
    VariableNode,
)
from graphql.language.block_string import print_block_string
from graphql.language.print_string import print_string

MAX_LINE_LENGTH = 80


def _join(parts: Iterable[str | None], separator: str = "") -> str:
    return separator.join(part for part in parts if part)


def _wrap(start: str, text: str | None, end: str = "") -> str:
    return f"{start}{text}{end}" if text else ""


def _indent(text: str) -> str:
    return _wrap("  ", text.replace("\n", "\n  "))


def _block(items: list[str]) -> str:
    return "{\n" + _indent(_join(items, "\n")) + "\n}" if items else ""


def _all(nodes: Iterable[Node] | None) -> list[str]:
    return [print_node(node) for node in nodes or ()]


def _directives(node: Node) -> str:
    return _join(_all(getattr(node, "directives", None)), " ")


def print_node(node: Node) -> str:
    if isinstance(node, DocumentNode):
        return _join(_all(node.definitions), "\n\n")
    if isinstance(node, OperationDefinitionNode):
        variables = _wrap("(", _join(_all(node.variable_definitions), ", "), ")")
        name = node.name.value if node.name else ""
        prefix = _join([node.operation.value, _join([name, variables]), _directives(node)], " ")
        body = print_node(node.selection_set)
        return body if prefix == "query" else f"{prefix} {body}"
    if isinstance(node, VariableDefinitionNode):
        default = _wrap(" = ", print_node(node.default_value) if node.default_value else None)
        return (
            print_node(node.variable)
            + ": "
            + print_node(node.type)
            + default
            + _wrap(" ", _directives(node))
        )
    if isinstance(node, SelectionSetNode):
        return _block(_all(node.selections))
    if isinstance(node, FieldNode):
        prefix = _wrap("", node.alias.value if node.alias else None, ": ") + node.name.value
        arguments = _all(node.arguments)
        line = prefix + _wrap("(", _join(arguments, ", "), ")")
        if len(line) > MAX_LINE_LENGTH:
            line = prefix + _wrap("(\n", _indent(_join(arguments, "\n")), "\n)")
        selections = print_node(node.selection_set) if node.selection_set else None
        return _join([line, _directives(node), selections], " ")
    if isinstance(node, ArgumentNode):
        return f"{node.name.value}: {print_node(node.value)}"
    if isinstance(node, FragmentSpreadNode):
        return "..." + node.name.value + _wrap(" ", _directives(node))
    if isinstance(node, InlineFragmentNode):
        condition = _wrap("on ", node.type_condition.name.value if node.type_condition else None)
        return _join(["...", condition, _directives(node), print_node(node.selection_set)], " ")
    if isinstance(node, FragmentDefinitionNode):
        variables = _wrap("(", _join(_all(node.variable_definitions), ", "), ")")
        return (
            f"fragment {node.name.value}{variables} on {node.type_condition.name.value} "
            + _wrap("", _directives(node), " ")
            + print_node(node.selection_set)
        )
    if isinstance(node, IntValueNode | FloatValueNode | EnumValueNode):
        return node.value
    if isinstance(node, StringValueNode):
        return print_block_string(node.value) if node.block else print_string(node.value)
    if isinstance(node, BooleanValueNode):
        return "true" if node.value else "false"
    if isinstance(node, NullValueNode):
        return "null"
    if isinstance(node, VariableNode):
        return "$" + node.name.value
    if isinstance(node, ListValueNode):
        return "[" + _join(_all(node.values), ", ") + "]"
    if isinstance(node, ObjectValueNode):
        fields = [f"{field.name.value}: {print_node(field.value)}" for field in node.fields]
        return "{" + _join(fields, ", ") + "}"
    if isinstance(node, DirectiveNode):
        return "@" + node.name.value + _wrap("(", _join(_all(node.arguments), ", "), ")")
    if isinstance(node, NamedTypeNode):
        return node.name.value
    if isinstance(node, ListTypeNode):
        return "[" + print_node(node.type) + "]"
    if isinstance(node, NonNullTypeNode):
        return print_node(node.type) + "!"
    raise TypeError(f"cannot print {type(node).__name__} as graphql-js 16 does")
