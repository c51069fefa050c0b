"""Rule 5 on many lots: the one-pass check of a snapshot's lots lets no bad lot through.

`lots_problem` first checks all lots at once (columns of fields, a few passes in C) and
only when that fails goes lot by lot to name the problem. Each case spoils one field of
one lot among many good ones, where a pass over a column is the only thing that can see
it: the answer must be the rule's Failure naming the symbol, as for a lot alone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D  # noqa: N817 - amounts read as D(100)

import attrs
import pytest

from portfolio import TaxLot
from portfolio.records.errors import ErrorKind
from portfolio.tax.records import lots_problem

AS_OF = datetime(2024, 6, 3, 20, tzinfo=UTC)


class _SubDecimal(D):
    """A `Decimal` subclass: refused as a lot's amount, as it is as a price or cash."""


SYMBOLS = ("AAA", "BBB", "CCC")


def book() -> tuple[dict[str, tuple[TaxLot, ...]], dict[str, D]]:
    """Three symbols of ten good lots each, and the positions they sum to."""
    lots = {
        symbol: tuple(
            TaxLot(quantity=D(k + 1), cost=D(f"{10 + k}.25"), acquired=date(2023, 1, k + 1))
            for k in range(10)
        )
        for symbol in SYMBOLS
    }
    return lots, {symbol: D(55) for symbol in SYMBOLS}


def test_good_lots_pass() -> None:
    lots, positions = book()
    assert lots_problem(lots, positions, AS_OF) is None


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("quantity", 7, "quantity"),  # an int, not a Decimal
        ("quantity", True, "quantity"),
        ("quantity", D("NaN"), "quantity"),
        ("quantity", D("sNaN"), "quantity"),
        ("quantity", D("Infinity"), "quantity"),
        ("quantity", D(0), "quantity"),
        ("quantity", _SubDecimal(7), "quantity"),
        ("quantity", D(-7), "quantity"),
        ("cost", 17.25, "cost"),  # a float
        ("cost", D("NaN"), "cost"),
        ("cost", D("sNaN"), "cost"),
        ("cost", D("Infinity"), "cost"),
        ("cost", D("-Infinity"), "cost"),
        ("cost", D("-0.01"), "cost"),
        ("cost", _SubDecimal("16.25"), "cost"),
        ("cost", D("1.000000000000001E+15"), "cost"),
        ("acquired", datetime(2023, 1, 7, tzinfo=UTC), "acquired"),
        ("acquired", "2023-01-07", "acquired"),
        ("acquired", date(2024, 6, 4), "after"),
        ("lot_id", 7, "lot_id"),
    ],
)
@pytest.mark.parametrize("symbol", SYMBOLS)
def test_one_bad_field_among_many_good_lots_is_named(
    field: str, value: object, words: str, symbol: str
) -> None:
    lots, positions = book()
    spoiled = list(lots[symbol])
    changes: dict[str, object] = {field: value}  # bad data on purpose
    spoiled[6] = attrs.evolve(spoiled[6], **changes)  # type: ignore[arg-type]
    lots[symbol] = tuple(spoiled)
    problem = lots_problem(lots, positions, AS_OF)
    assert problem is not None
    assert (problem.kind, problem.context["symbol"]) == (ErrorKind.INVALID_SNAPSHOT, symbol)
    assert words in problem.message


def test_lots_that_do_not_sum_to_their_position_are_named() -> None:
    lots, positions = book()
    positions["BBB"] = D("55.000000001")
    problem = lots_problem(lots, positions, AS_OF)
    assert problem is not None
    assert (problem.context["symbol"], "sum exactly" in problem.message) == ("BBB", True)


@pytest.mark.parametrize(
    ("first", "second"), [("0", "15"), ("-1", "16"), ("-1E+16", "1.0000000000000015E+16")]
)
def test_a_bad_quantity_another_lot_makes_up_for_is_named(first: str, second: str) -> None:
    """Lots 7 and 8 (7 and 8 shares) become `first` and `second`: the sum is still right."""
    lots, positions = book()
    spoiled = list(lots["CCC"])
    spoiled[6] = attrs.evolve(spoiled[6], quantity=D(first))
    spoiled[7] = attrs.evolve(spoiled[7], quantity=D(second))
    lots["CCC"] = tuple(spoiled)
    problem = lots_problem(lots, positions, AS_OF)
    assert problem is not None
    assert (problem.context["symbol"], "quantity" in problem.message) == ("CCC", True)


@pytest.mark.parametrize(
    ("lot", "position", "message"),
    [
        (
            TaxLot(quantity=D("1E+40"), cost=D(1), acquired=date(2023, 1, 2)),
            D(10),  # a lot past the bound never sums to a position within it
            "a lot's quantity must be a finite Decimal in (0, 1E+15]",
        ),
        (
            TaxLot(quantity=D(1), cost=D("2E+15"), acquired=date(2023, 1, 2)),
            D(1),
            "a lot's cost must be a finite Decimal in [0, 1E+15]",
        ),
    ],
)
def test_a_value_past_the_bound_is_named_as_past_it(lot: TaxLot, position: D, message: str) -> None:
    """A 41-digit quantity is > 0: the message says the bound it is past, not only the sign."""
    error = lots_problem({"AAA": (lot,)}, {"AAA": position}, AS_OF)
    assert error is not None
    assert (error.kind, error.message, error.context["symbol"]) == (
        ErrorKind.INVALID_SNAPSHOT,
        message,
        "AAA",
    )
