"""The one integer parser (and its sibling for numbers), checked against the grammar the APIs
document: any text in the grammar parses to the integer it spells; any other text is refused
with the parser's own error and never anything else (int() alone takes " 1", "+1", "1_000"
and "١٢٣", and raises on 5000 digits)."""

from __future__ import annotations

import math
import re
import sys
from typing import TypeGuard

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from customer_registry.core.fields import (
    INTEGER_GRAMMAR,
    NUMBER_GRAMMAR,
    NotAnInteger,
    NotANumber,
    parse_integer,
    parse_number,
)

GRAMMAR = re.compile(INTEGER_GRAMMAR)


@given(st.from_regex(rf"\A{INTEGER_GRAMMAR}\Z"))
def test_text_in_the_grammar_is_the_integer_it_spells(text: str) -> None:
    digits = text.removeprefix("-")
    expected = sum(int(d) * 10**i for i, d in enumerate(reversed(digits)))
    assert parse_integer(text) == (-expected if text.startswith("-") else expected)


@given(st.text())
@example("--1")
@example("+-1")
@example("+1")
@example("1_000")
@example("١٢٣")
@example(" 1")
@example("1 ")
@example("1\n")
@example("1e3")
@example("9" * 5000)
@example("")
@example("-")
def test_any_other_text_is_refused_by_the_parser_alone(text: str) -> None:
    if GRAMMAR.fullmatch(text):
        assert parse_integer(text) == int(text)
        return
    with pytest.raises(NotAnInteger):
        parse_integer(text)


@given(st.integers())
def test_integers_pass_through(value: int) -> None:
    assert parse_integer(value) == value


@given(
    st.one_of(
        st.booleans(),
        st.floats(),
        st.lists(st.integers()),
        st.dictionaries(st.text(), st.integers()),
    )
)
def test_other_values_are_refused_unless_an_option_takes_them(value: object) -> None:
    with pytest.raises(NotAnInteger):
        parse_integer(value)
    if isinstance(value, float) and value.is_integer():
        assert parse_integer(value, whole_floats=True) == int(value)
    else:
        with pytest.raises(NotAnInteger):
            parse_integer(value, whole_floats=True)


def test_blank_is_no_value_only_when_asked() -> None:
    assert parse_integer("", blank=True) is None
    assert parse_integer(None) is None
    with pytest.raises(NotAnInteger):
        parse_integer("")


NUMBER = re.compile(NUMBER_GRAMMAR)


@given(st.from_regex(rf"\A{NUMBER_GRAMMAR}\Z"))
def test_numbers_in_the_grammar_parse_as_python_reads_them(text: str) -> None:
    expected = float(text)
    if math.isfinite(expected):
        assert parse_number(text) == expected
    else:
        with pytest.raises(NotANumber):
            parse_number(text)


def _takes(value: object) -> TypeGuard[str | int | float]:
    """What the grammar and the finite floats allow."""
    if isinstance(value, bool):
        return False
    if isinstance(value, str):
        return bool(NUMBER.fullmatch(value)) and math.isfinite(float(value))
    if isinstance(value, int):
        return abs(value) <= sys.float_info.max
    return isinstance(value, float) and math.isfinite(value)


@given(st.one_of(st.text(), st.floats(), st.integers(), st.booleans()))
@example("nan")
@example("inf")
@example("1_0")
@example("٣")
@example(" 1")
@example(10**400)
def test_anything_else_is_a_finite_number_or_refused(value: object) -> None:
    if not _takes(value):
        with pytest.raises(NotANumber):
            parse_number(value)
        return
    found = parse_number(value)
    assert found is not None
    assert math.isfinite(found)
    assert found == float(value)
