"""Expressions: GetPartitions' ``Expression`` (a SQL-like predicate on partition keys) and
GetTables' ``Expression`` (a regular expression on table names).

A partition expression is compiled once into a predicate over ``{key: value}``; numeric keys
(and unquoted numbers) compare as numbers, everything else as strings. Supported: ``= != <> < <=
> >=``, ``IN``, ``LIKE`` (``%`` and ``_``), ``BETWEEN ... AND ...``, ``AND``, ``OR``, ``NOT`` and
parentheses; backquoted names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from glue_nb.catalog.validation import known
from glue_nb.exceptions import InvalidInputException

__all__ = ["name_pattern", "partition_predicate"]

NUMERIC_TYPES = ("tinyint", "smallint", "int", "integer", "bigint", "float", "double", "decimal")

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?(?![\w.]))"
    r"|(?P<op><=|>=|<>|!=|=|<|>)|(?P<lp>\()|(?P<rp>\))|(?P<comma>,)"
    r"|(?P<id>`[^`]+`|[A-Za-z_][A-Za-z0-9_]*))"
)


def _tokens(expression: str) -> list[tuple[str, str]]:
    """The tokens of an expression: (kind, text) with quotes removed."""
    out, pos = [], 0
    text = expression.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise InvalidInputException(
                f"Expression {expression!r}: cannot parse at {text[pos : pos + 20]!r}"
            )
        kind = m.lastgroup or ""
        value = m.group(kind)
        if kind == "str":
            value = value[1:-1].replace("''", "'")
        elif kind == "id" and value.startswith("`"):
            value = value[1:-1]
        out.append((kind, value))
        pos = m.end()
    return out


class _Parser:
    """A recursive-descent parser of partition expressions into predicates."""

    def __init__(self, expression: str, keys: Mapping[str, str]) -> None:
        self.expression = expression
        self.tokens = _tokens(expression)
        self.pos = 0
        self.keys = {k.lower(): (k, t.lower()) for k, t in keys.items()}

    def fail(self, why: str) -> InvalidInputException:
        return InvalidInputException(f"Expression {self.expression!r}: {why}")

    def peek(self, word: str | None = None) -> tuple[str, str] | None:
        if self.pos >= len(self.tokens):
            return None
        tok = self.tokens[self.pos]
        if word is not None and not (tok[0] == "id" and tok[1].upper() == word):
            return None
        return tok

    def take(self, kind: str | None = None) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise self.fail("unexpected end")
        tok = self.tokens[self.pos]
        if kind is not None and tok[0] != kind:
            raise self.fail(f"expected {kind}, found {tok[1]!r}")
        self.pos += 1
        return tok

    def parse(self) -> Callable[[Mapping[str, str]], bool]:
        fn = self.disjunction()
        if self.pos != len(self.tokens):
            raise self.fail(f"unexpected {self.tokens[self.pos][1]!r}")
        return fn

    def disjunction(self) -> Callable[[Mapping[str, str]], bool]:
        parts = [self.conjunction()]
        while self.peek("OR"):
            self.pos += 1
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else (lambda v: any(p(v) for p in parts))

    def conjunction(self) -> Callable[[Mapping[str, str]], bool]:
        parts = [self.negation()]
        while self.peek("AND"):
            self.pos += 1
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else (lambda v: all(p(v) for p in parts))

    def negation(self) -> Callable[[Mapping[str, str]], bool]:
        if self.peek("NOT"):
            self.pos += 1
            inner = self.negation()
            return lambda v: not inner(v)
        if self.peek() and self.peek()[0] == "lp":  # type: ignore[index]
            self.pos += 1
            inner = self.disjunction()
            self.take("rp")
            return inner
        return self.comparison()

    def literal(self) -> tuple[str, bool]:
        kind, value = self.take()
        if kind not in ("str", "num"):
            raise self.fail(f"expected a value, found {value!r}")
        return value, kind == "num"

    def comparison(self) -> Callable[[Mapping[str, str]], bool]:
        _, ident = self.take("id")
        key = self.keys.get(ident.lower())
        if key is None:
            known_keys = known(k for k, _ in self.keys.values())
            raise self.fail(f"{ident!r} is not a partition key (partition keys: {known_keys})")
        name, key_type = key
        numeric_key = key_type.startswith(NUMERIC_TYPES)
        negate = False
        if self.peek("NOT"):
            self.pos += 1
            negate = True
        tok = self.peek()
        if tok is None:
            raise self.fail("unexpected end")
        if tok[0] == "op":
            if negate:
                raise self.fail("NOT must precede IN, LIKE or BETWEEN here")
            self.pos += 1
            op = tok[1]
            lit, num = self.literal()
            return _compare(name, op, lit, num or numeric_key)
        word = tok[1].upper() if tok[0] == "id" else ""
        self.pos += 1
        if word == "IN":
            self.take("lp")
            items = [self.literal()]
            while self.peek() and self.peek()[0] == "comma":  # type: ignore[index]
                self.pos += 1
                items.append(self.literal())
            self.take("rp")
            tests = [_compare(name, "=", lit, num or numeric_key) for lit, num in items]
            fn = lambda v: any(t(v) for t in tests)  # noqa: E731
        elif word == "LIKE":
            lit, _ = self.literal()
            pattern = re.compile(
                "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in lit)
                + r"\Z",
                re.DOTALL,
            )
            fn = lambda v: bool(pattern.match(v.get(name, "")))  # noqa: E731
        elif word == "BETWEEN":
            low, n1 = self.literal()
            if not self.peek("AND"):
                raise self.fail("BETWEEN needs AND")
            self.pos += 1
            high, n2 = self.literal()
            ge = _compare(name, ">=", low, n1 or numeric_key)
            le = _compare(name, "<=", high, n2 or numeric_key)
            fn = lambda v: ge(v) and le(v)  # noqa: E731
        else:
            raise self.fail(f"expected a comparison after {ident!r}, found {tok[1]!r}")
        return (lambda v: not fn(v)) if negate else fn


def _compare(key: str, op: str, literal: str, numeric: bool) -> Callable[[Mapping[str, str]], bool]:
    """A predicate comparing one key's value with a literal (as numbers when ``numeric``)."""

    def test(values: Mapping[str, str]) -> bool:
        value = values.get(key)
        if value is None:
            return False
        a: Any
        b: Any
        if numeric:
            try:
                a, b = float(value), float(literal)
            except ValueError:
                a, b = value, literal
        else:
            a, b = value, literal
        if op == "=":
            return a == b
        if op in ("!=", "<>"):
            return a != b
        if op == "<":
            return a < b
        if op == "<=":
            return a <= b
        if op == ">":
            return a > b
        return a >= b

    return test


def partition_predicate(
    expression: str, keys: Mapping[str, str]
) -> Callable[[Mapping[str, str]], bool]:
    """Compile a GetPartitions ``Expression`` (``year = '2024' AND month IN ('01','02')``).

    ``keys`` maps partition key names to their types; numeric keys (and unquoted numbers)
    compare as numbers, everything else as strings. Supports ``= != <> < <= > >=``, ``IN``,
    ``LIKE`` (% and _), ``BETWEEN ... AND ...``, ``AND``, ``OR``, ``NOT`` and parentheses.
    """
    return _Parser(expression, keys).parse()


def name_pattern(expression: str) -> re.Pattern[str]:
    """GetTables Expression: a regex; a bare ``*`` is read as ``.*`` (Hive style)."""
    converted = re.sub(r"(?<![.\])\\])\*", ".*", expression)
    try:
        return re.compile(converted, re.IGNORECASE)
    except re.error as exc:
        raise InvalidInputException(f"Expression {expression!r} is not a valid pattern: {exc}")
