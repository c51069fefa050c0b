"""Filling a plan: snapshot × plan → snapshot, as one pure function.

Both `adapters.fake.FakeBroker` and `portfolio.backtest` execute plans through
`fill_plan`, so a backtest trades exactly the way the fake broker does. Cash moves
by exactly `quantity × price + fee` (no rounding: Decimal in `CORE_CONTEXT`), so at
the fill prices `equity before = equity after + fees` holds to the last digit.
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping
from decimal import Decimal

import attrs
from returns.result import Failure, Result, Success

from portfolio.orders.checks import plan_problem
from portfolio.records.costs import CostModel, cost_problem
from portfolio.records.errors import ErrorKind, PortfolioError
from portfolio.records.frozen import FrozenDict
from portfolio.records.money import (
    CORE_CONTEXT,
    MAX_AMOUNT,
    ZERO,
    all_within,
    bounds_problem,
    is_bounded,
)
from portfolio.records.plan import RebalancePlan
from portfolio.records.plan_item import Action, PlanItem, Reason
from portfolio.records.snapshot import Snapshot, upper_keyed

__all__ = ["CostModel", "Fill", "FilledOrder", "fill_own_plan", "fill_plan"]


@attrs.frozen(kw_only=True)
class FilledOrder:
    """One executed order.

    `quantity` is signed shares actually traded (negative = sold) and may be smaller
    than `requested` when cash ran short; `price` per share; `traded_value` =
    quantity × price (signed, account currency); `fee` ≥ 0 in account currency.
    """

    symbol: str
    action: Action
    reason: Reason
    requested: Decimal
    quantity: Decimal
    price: Decimal
    traded_value: Decimal
    fee: Decimal


@attrs.frozen(kw_only=True)
class Fill:
    """A plan executed against a snapshot.

    `snapshot` is the account afterwards (at the fill prices); `orders` are the executed
    orders, sells first; `fees` is their total fee (account currency).
    """

    snapshot: Snapshot
    orders: tuple[FilledOrder, ...]
    fees: Decimal

    @property
    def traded_value(self) -> Decimal:
        """Σ |quantity × price| over the orders: the gross value traded (account currency)."""
        return sum((abs(order.traded_value) for order in self.orders), ZERO)


def fill_plan(
    snapshot: Snapshot,
    plan: RebalancePlan,
    *,
    prices: Mapping[str, Decimal] | None = None,
    costs: CostModel | None = None,
) -> Result[Fill, PortfolioError]:
    """Execute the plan's trades on the snapshot: all sells first, then all buys.

    Each trade's `quantity` is filled at `prices[symbol]` (given prices override the
    snapshot's). A LIQUIDATE item closes whatever is held to exactly zero; a short is
    bought back before any other buy. A buy that
    the cash on hand (after the sells, earlier buys and fees) cannot pay for is cut to
    what it can pay for — whole shares if the plan asked for whole shares — so a fill
    never turns non-negative cash negative. Closed positions disappear from the result.
    The account afterwards carries no tax lots and no recent trades: a fill here keeps no
    lot books (the fake broker and `run_backtest` do, docs/tax.md), so a taxed plan of it
    sells at an unknown basis (`TaxReport.unknown_basis`).

    Failures: a cost model with a negative or non-finite field (INVALID_POLICY), a plan
    that breaks a plan's own rules (INVALID_PLAN naming the symbols, from
    `portfolio.orders.checks.plan_problem`: a symbol twice, a HOLD with shares, an amount
    that is not its quantity × price, …; a plan built or edited by hand, since the
    planner makes none), a traded symbol without a price (MISSING_PRICE), a bad price
    (INVALID_PRICE), a non-finite quantity in the plan (INVALID_PLAN), and a fill that
    would leave cash or a position beyond the bounds the planner accepts (INVALID_PLAN;
    see `money.bounds_problem`), so the account after a fill can always be planned again.
    """
    problem = _shape_problem(snapshot, plan, prices) or plan_problem(plan)
    if problem is not None:
        return Failure(problem)
    return fill_own_plan(snapshot, plan, prices=prices, costs=costs)


def fill_own_plan(
    snapshot: Snapshot,
    plan: RebalancePlan,
    *,
    prices: Mapping[str, Decimal] | None = None,
    costs: CostModel | None = None,
) -> Result[Fill, PortfolioError]:
    """`fill_plan` of a plan the planner made, without checking its rules again.

    A backtest fills its own planner's plans, every one of which passes `plan_problem`
    (a property test checks it): checking them again made replaying a run's fills
    (`BacktestResult.fills`) 1.34× slower. Any other plan goes through `fill_plan`.
    """
    model = CostModel() if costs is None else costs
    problem = cost_problem(model) or _shape_problem(snapshot, plan, prices)
    if problem is not None:
        return Failure(problem)
    snapshot = upper_keyed(snapshot)
    fill_prices = snapshot.prices if prices is None else {**snapshot.prices, **prices}
    trades = plan.trades
    problem = _trade_problem(trades, fill_prices)
    if problem is not None:
        return Failure(problem)
    fill = _fill(snapshot, trades, fill_prices, model)
    after = fill.snapshot
    beyond = bounds_problem(after.cash, after.positions.values())
    if beyond is not None:
        return Failure(PortfolioError.of(ErrorKind.INVALID_PLAN, f"the fill is refused: {beyond}"))
    return Success(fill)


def _shape_problem(snapshot: object, plan: object, prices: object) -> PortfolioError | None:
    """Arguments of the wrong kind: the records and mappings the fill arithmetic relies on."""
    if not _is_plan(plan):
        return PortfolioError.of(
            ErrorKind.INVALID_PLAN, "plan must be a RebalancePlan of PlanItems"
        )
    if not isinstance(snapshot, Snapshot) or not is_bounded(snapshot.cash):
        return PortfolioError.invalid_snapshot("snapshot must be a Snapshot with finite cash")
    if not _bounded_mapping(snapshot.positions):
        return PortfolioError.invalid_snapshot("positions must map symbols to finite Decimals")
    if not (_is_mapping(snapshot.prices) and (prices is None or _is_mapping(prices))):
        return PortfolioError.invalid_snapshot("prices must be a mapping of symbol to Decimal")
    return None


def _bounded_mapping(positions: object) -> bool:
    return isinstance(positions, Mapping) and all_within(
        positions.values(), -MAX_AMOUNT, MAX_AMOUNT
    )


def _is_plan(plan: object) -> bool:
    """A RebalancePlan whose items are PlanItems with string symbols and Actions."""
    return isinstance(plan, RebalancePlan) and all(
        _is_item(entry) and _is_str(entry.symbol) and _is_action(entry.action)
        for entry in plan.items
    )


def _is_item(value: object) -> bool:
    return type(value) is PlanItem


def _is_mapping(value: object) -> bool:
    return isinstance(value, Mapping)


def _is_action(value: object) -> bool:
    return isinstance(value, Action)


def _is_str(value: object) -> bool:
    return isinstance(value, str)


def _trade_problem(
    trades: tuple[PlanItem, ...], prices: Mapping[str, Decimal]
) -> PortfolioError | None:
    """A traded symbol without a price, a bad price, or a quantity out of bounds."""
    missing = [item.symbol for item in trades if item.symbol not in prices]
    if missing:
        return PortfolioError.missing_price(missing)
    bad_prices = [item.symbol for item in trades if not _positive(prices[item.symbol])]
    if bad_prices:
        return PortfolioError.invalid_price(bad_prices)
    bad_quantities = [item.symbol for item in trades if not is_bounded(item.quantity)]
    if bad_quantities:
        message = "plan quantities must be finite Decimals with magnitude at most 1E+15"
        return PortfolioError.of(ErrorKind.INVALID_PLAN, message, symbols=",".join(bad_quantities))
    return None


def _positive(value: Decimal) -> bool:
    return is_bounded(value) and value > 0


def _fill(
    snapshot: Snapshot,
    trades: tuple[PlanItem, ...],
    prices: Mapping[str, Decimal],
    model: CostModel,
) -> Fill:
    cash, held = snapshot.cash, dict(snapshot.positions)
    free = not (model.bps or model.min_fee)
    orders: list[FilledOrder] = []
    with decimal.localcontext(CORE_CONTEXT):
        wanted = [(item, _wanted(item, held.get(item.symbol, ZERO))) for item in trades]
        buys = [pair for pair in wanted if pair[1] > 0]
        buy_backs = [pair for pair in buys if pair[0].reason is Reason.LIQUIDATE]
        # sells, then shorts bought back (in full, not cut behind another buy), then buys
        sells_first = [pair for pair in wanted if pair[1] < 0] + buy_backs
        sells_first += [pair for pair in buys if pair[0].reason is not Reason.LIQUIDATE]
        for item, requested in sells_first:
            symbol, price = item.symbol, prices[item.symbol]
            quantity, value = requested, requested * price
            fee = ZERO if free else model.fee(value)
            if quantity > 0 and value + fee > cash:  # cut a buy to the cash there is
                quantity = model.affordable(cash, price, whole=_is_whole(requested))
                value = quantity * price
                fee = model.fee(value)
            cash = cash - value - fee
            position = held.get(symbol, ZERO) + quantity
            if position:
                held[symbol] = position
            else:
                held.pop(symbol, None)
            orders.append(
                FilledOrder(
                    symbol=symbol,
                    action=item.action,
                    reason=item.reason,
                    requested=requested,
                    quantity=quantity,
                    price=price,
                    traded_value=value,
                    fee=fee,
                )
            )
        fees = ZERO if free else sum((order.fee for order in orders), ZERO)
    after = Snapshot(
        cash=cash,
        positions=FrozenDict(held),
        prices=prices,
        assets=snapshot.assets,
        as_of=snapshot.as_of,
    )
    return Fill(snapshot=after, orders=tuple(orders), fees=fees)


def _wanted(item: PlanItem, held: Decimal) -> Decimal:
    """A liquidation closes what is held now, to exactly zero; other trades are as planned."""
    return held.copy_negate() if item.reason is Reason.LIQUIDATE else item.quantity  # exact


def _is_whole(quantity: Decimal) -> bool:
    return quantity == quantity.to_integral_value()
