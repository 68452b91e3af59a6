"""Parsing a registry file (YAML or JSON) into plain data that remembers the line of every key.

JSON is read by the YAML parser too (a JSON document is YAML), so both formats give the same
line numbers in error messages. Mappings come back as ``Node`` (a dict) whose ``line`` is where
the mapping starts and ``lines[key]`` where each key sits; lists as ``Seq`` with their ``line``.
Floats are kept as ``float`` here only so the validator can refuse them by line: amounts must be
written as strings ("1.00"), never as YAML/JSON numbers.
"""

from __future__ import annotations

from typing import Any

import yaml


class RegistryError(ValueError):
    """One or more problems in a registry file, each with its line; nothing was saved."""

    def __init__(self, problems: list[tuple[int, str]], *, source: str = "registry") -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(f"{source}, line {line}: {message}" for line, message in self.problems))


class Node(dict[str, Any]):
    line: int = 0
    lines: dict[str, int]


class Seq(list[Any]):
    line: int = 0


class _Loader(yaml.SafeLoader):
    pass


def _mapping(loader: _Loader, node: yaml.MappingNode) -> Node:
    result = Node()
    result.line = node.start_mark.line + 1
    result.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            raise RegistryError([(key_node.start_mark.line + 1, f"key {key!r} is not a string")])
        if key in result:
            raise RegistryError([(key_node.start_mark.line + 1, f"duplicate key {key!r}")])
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1
    return result


def _sequence(loader: _Loader, node: yaml.SequenceNode) -> Seq:
    result = Seq(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


def parse(text: str, *, source: str = "registry") -> Node:
    """The document as Nodes and Seqs; RegistryError (with the line) if it is not well-formed."""
    if text.lstrip().startswith(("{", "[")):
        # JSON may be indented with tabs, which YAML refuses. JSON strings cannot hold a raw tab,
        # so expanding them changes only whitespace, and keeps every line where it was.
        text = text.expandtabs(4)
    try:
        document = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader subclass
    except RegistryError as exc:
        raise RegistryError(exc.problems, source=source) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise RegistryError([(line, f"not valid YAML/JSON: {exc.problem or exc}")], source=source) from None
    if not isinstance(document, Node):
        raise RegistryError([(1, "the registry must be a mapping with `networks` and `stablecoins`")], source=source)
    return document


def dump(data: dict[str, Any], *, fmt: str) -> str:
    if fmt == "json":
        import json

        return json.dumps(data, indent=2) + "\n"
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False, width=120)
