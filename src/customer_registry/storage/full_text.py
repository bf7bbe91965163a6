"""SQLite's full-text lookup of the console's search (FTS5, trigram tokenizer, migration 0011).

The full-text table only narrows the search: every customer it gives is checked again with
the search's own condition (`SEARCH_TEXT` ILIKE, as on PostgreSQL), so it may give more
customers than match, but must give every one that does:

- The text is looked up as one quoted FTS5 phrase (a `"` doubled): its trigrams, one after
  the other as in the text. FTS5's query syntax (`AND`, `NEAR`, `*`, `-`, `^`, …) is never
  read from what the user typed, and no text makes a query FTS5 cannot parse.
- FTS5 folds case with its own table, the search with Python's `str.lower` (`fold_case`).
  They agree on Latin letters (below U+0250, accents included) and on characters without
  case, which is all a phrase may hold (`tests/storage/test_customer_search.py` checks it
  against every character). `str.lower` also turns `İ` into two characters, `i` and a
  combining dot (U+0307), where FTS5 keeps one: a phrase holds no U+0307, and one ending
  with an `i` is also looked up with `İ` in its place. The phrase is the longest run of such
  characters in the text; a text without a run of three (the trigram's length) is looked
  for in the table, as before.
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler

from customer_registry.storage.database import fold_case

TRIGRAM = 3  # FTS5's trigram tokenizer finds text of at least three characters
LATIN_END = 0x250  # below it, FTS5 and str.lower fold case alike
DOTTED_CAPITAL_I = "\u0130"
# `str.lower` makes two characters of it: an i, then U+0307.
_SMALL_I = "i"
_COMBINING_DOT = "\u0307"


def folded_alike(character: str) -> bool:
    """Whether FTS5 folds `character` (already lowered) as `str.lower` does, and a phrase may
    hold it."""
    if character in ("\x00", _COMBINING_DOT):
        return False
    return ord(character) < LATIN_END or character.upper() == character


def _quoted(run: str) -> str:
    return '"' + run.replace('"', '""') + '"'


def phrase(text: str) -> str | None:
    """The FTS5 query finding every row whose text holds `text` (case-insensitively), or
    None when the full-text table cannot narrow that search."""
    runs = ["".join(run) for alike, run in groupby(fold_case(text), folded_alike) if alike]
    longest = max(runs, key=len, default="")
    if len(longest) < TRIGRAM:
        return None
    if longest.endswith(_SMALL_I):  # it may be the i of an İ
        return f"{_quoted(longest)} OR {_quoted(longest[:-1] + DOTTED_CAPITAL_I)}"
    return _quoted(longest)


class OrderedJoin(sa.Join):
    """An inner join that SQLite runs in its written order, the left table read first (its
    CROSS JOIN): without statistics, SQLite's planner would rather read the customers of a
    scope's entity through an index and look each up in the full-text table, every one of
    them for a search that matches few."""

    inherit_cache = True


@compiles(OrderedJoin)
def _ordered_join(join: OrderedJoin, compiler: SQLCompiler, **kw: Any) -> str:
    written: str = compiler.visit_join(join, **kw)  # type: ignore[no-untyped-call]
    # The left side is a table, whose name holds no " JOIN ".
    return written.replace(" JOIN ", " CROSS JOIN ", 1)
