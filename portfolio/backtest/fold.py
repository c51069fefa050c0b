"""The backtest's one hot loop: bars in, an account kept as plain state, records out.

Per bar: sell what stopped trading, add the day's cash flow, mark the account at the
close (carried closes included), and on a rebalance bar plan with the prepared planner
and trade the plan (`portfolio.backtest.trading`). A bar that plans only because of a
cash flow plans with the policy's `mode` set to BUY_ONLY (a contribution) or SELL_ONLY
(a withdrawal). Cash and positions are a `Decimal` and a `dict` here, and the planner
reads them as they are (`Planner.plan_trusted`: the price table was checked once, when
the run started). A `Snapshot` is built only for what reads one (a rule's callable,
the drift test, `fill_plan` on the first plan); each plan is kept with what it was
made from, and its snapshot and plan id are built when read (`portfolio.backtest.lazy`).
Without them a daily 5-symbol run takes about two thirds of the time (docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from itertools import repeat
from operator import attrgetter, is_

import attrs
from returns.result import Failure, Result, Success

from portfolio.backtest.bars import Bar, EquityPoint
from portfolio.backtest.flows import withdrawal_problem
from portfolio.backtest.lazy import Planned
from portfolio.backtest.ledger import Ledger, Setup, dated
from portfolio.backtest.notices import BacktestWarning, WarningKind
from portfolio.backtest.planning import prepare, target_weights, without
from portfolio.backtest.schedule import Schedule, drifted, due_bars
from portfolio.backtest.tax_ledger import TaxLedger, relieved_by_pieces, relieved_by_report
from portfolio.backtest.trading import trade
from portfolio.orders.fill import fill_own_plan
from portfolio.records.allocation import Allocation, CombinedAllocation
from portfolio.records.errors import PortfolioError
from portfolio.records.plan import Action, RebalancePlan
from portfolio.records.policy import Mode
from portfolio.records.snapshot import Snapshot
from portfolio.steps.planner import Planner
from portfolio.tax.step import TaxInputs, sold_lots, trusted_tax_inputs

__all__ = ["fold"]

_ACTION = attrgetter("action")
#: Looked up once, not per bar. With `_DONE` (one `Success(None)`, not one built per bar),
#: the planners kept as Results and the calendar read once per run (`due_bars`): a
#: 5 × 780 daily run outside the planner 114.3 → 105.5 million instructions.
_REBALANCE, _HOLD = Mode.REBALANCE, Action.HOLD
_DONE: Result[None, PortfolioError] = Success(None)


def fold(
    setup: Setup, progress: Callable[[int, int], None] | None
) -> Result[Ledger, PortfolioError]:
    """Run every bar; the first failure stops the run, dated."""
    tax = setup.accounting
    ledger = Ledger(setup.initial_cash, None if tax is None else TaxLedger(tax))
    ledger.targeted.update(setup.weights)
    total, gaps, flows = len(setup.bars), setup.gaps, setup.flows
    calendar = due_bars(setup.schedule, [bar.date for bar in setup.bars])
    drift = setup.schedule is Schedule.DRIFT
    for index, bar in enumerate(setup.bars):
        prices, day = gaps.marks[index], bar.date
        if index in gaps.stopped:
            _sell_stopped(ledger, gaps.stopped[index], day)
        if index in gaps.carried:
            _count_carried(ledger, gaps.carried[index], index)
        if index in gaps.moves:
            _note_moves(ledger, gaps.moves[index], day)
        if index in flows and (problem := _add_flow(ledger, flows[index], prices, day)):
            return Failure(problem)
        short = index in setup.tax_bars and _pay_tax(ledger, day)  # cash < 0: sell for it
        scheduled = index in calendar or (
            index in setup.listings and not setup.listings[index].isdisjoint(ledger.targeted)
        )
        due = scheduled or index in flows or short
        if due or drift:
            ledger.bar = index
            mode = (
                _REBALANCE
                if scheduled or not due
                else _flow_mode(ledger.cash if short else flows[index])
            )
            planned = _rebalance(setup, ledger, bar, prices, due=due, mode=mode)
            # `isinstance(x, Success)` of a Success is an exact type test, in C; asking
            # `Failure` of it runs `ABCMeta.__instancecheck__` (1.9 thousand instructions)
            if not isinstance(planned, Success):
                return Failure(dated(planned.failure(), day))
        ledger.curve.append(EquityPoint(day, ledger.equity(prices)))
        if progress is not None:
            progress(index + 1, total)
    return Success(ledger)


def _pay_tax(ledger: Ledger, day: date) -> bool:
    """Pay the year's tax from cash (at the year's last bar); True when cash fell below 0."""
    assert ledger.tax is not None  # noqa: S101 - tax bars only under a tax policy
    ledger.cash -= ledger.tax.pay(day.year)
    return ledger.cash < 0


def _flow_mode(amount: Decimal) -> Mode:
    """A contribution is invested without selling; a withdrawal is raised without buying."""
    return Mode.BUY_ONLY if amount > 0 else Mode.SELL_ONLY


def _rebalance(  # noqa: PLR0913 - one bar's inputs
    setup: Setup,
    ledger: Ledger,
    bar: Bar,
    prices: Mapping[str, Decimal],
    *,
    due: bool,
    mode: Mode,
) -> Result[None, PortfolioError]:
    """Plan and trade on this bar if it is due (or, for `drift`, if the weights drifted)."""
    rule = setup.rule
    # What the plan is made from, kept for `lazy.Accounts` (whose Snapshot freezes it when
    # read); nothing writes to it after (the fold trades `ledger.held`). A plain copy, not
    # a FrozenDict (its __init__ runs in Python): 2 million instructions less a 5 × 780 run.
    held = dict(ledger.held)
    # A snapshot only for what reads one: a rule's callable and the drift test.
    account = _snapshot(ledger.cash, held, prices, bar.date) if callable(rule) or not due else None
    if callable(rule):
        allocation = rule(bar.date, account)  # type: ignore[arg-type] # built just above
        weights = target_weights(allocation)
        ledger.targeted.update(weights)
    else:
        allocation, weights = rule, setup.weights
    unpriced = (
        frozenset() if weights.keys() <= prices.keys() else frozenset(weights - prices.keys())
    )
    if unpriced:
        allocation = without(allocation, unpriced, setup.missing.late_listing)
        weights = target_weights(allocation)
    if account is not None and not due and not drifted(account, weights, setup.policy):
        return _DONE
    prepared = _planner(setup, ledger, allocation, (unpriced, mode))
    if not isinstance(prepared, Success):  # plain tests, not `bind`: this runs on every bar
        return Failure(prepared.failure())
    planner: Planner = prepared.unwrap()
    if ledger.tax is None or planner.policy.tax is None:
        # Without `as_of`: only the plan record carries it, and the fold reads the record's
        # items alone (`lazy.Plans` plans the snapshot again, dated); the `datetime` per
        # bar cost 2.3 million instructions a 5 × 780 daily run.
        plan = planner.plan_trusted((held, ledger.cash), prices)
        planned = Planned(ledger.bar, ledger.cash, held, planner)
        inputs = None
    else:  # the tax rules read the lots and the trades of the wash-sale window
        lots, trades = ledger.tax.frozen_lots(), ledger.tax.recent(bar.date)
        planned = Planned(ledger.bar, ledger.cash, held, planner, lots, trades)
        inputs = trusted_tax_inputs(lots, trades, planner.policy.tax, bar.date, held)
        as_of = datetime.combine(bar.date, time())
        plan = planner.plan_trusted((held, ledger.cash), prices, as_of, inputs)
    if not isinstance(plan, Success):
        return Failure(plan.failure())
    made: RebalancePlan = plan.unwrap()
    return _trade(setup, ledger, planned, made, inputs)


def _snapshot(
    cash: Decimal, held: Mapping[str, Decimal], prices: Mapping[str, Decimal], day: date
) -> Snapshot:
    return Snapshot(cash=cash, positions=held, prices=prices, as_of=datetime.combine(day, time()))


def _planner(
    setup: Setup,
    ledger: Ledger,
    allocation: Allocation | CombinedAllocation,
    key: tuple[frozenset[str], Mode],
) -> Result[Planner, PortfolioError]:
    """Prepared once per (unpriced symbols, mode) for fixed weights; per call for a rule.

    The Result is kept as it is: a failure ends the run, a success is read again.
    """
    cached = ledger.planners.get(key)
    if cached is not None:
        return cached
    policy = setup.policy if key[1] is _REBALANCE else attrs.evolve(setup.policy, mode=key[1])
    prepared = prepare(allocation, policy)
    if not callable(setup.rule):
        ledger.planners[key] = prepared
    return prepared


def _trade(
    setup: Setup,
    ledger: Ledger,
    planned: Planned,
    plan: RebalancePlan,
    inputs: TaxInputs | None = None,
) -> Result[None, PortfolioError]:
    """Trade the plan on the ledger: in the fold, or by `fill_plan` (see `trading`).

    Under a tax policy the ledger relieves the lots the plan chose: those of its
    `TaxReport` (a harvesting plan has one), or else `sold_lots` of its tax `inputs`.
    """
    prices = setup.gaps.marks[planned.bar]
    done = None
    if ledger.planned:
        done = trade(ledger.cash, ledger.held, plan.items, prices, setup.costs)
    if done is None:
        day = setup.bars[planned.bar].date
        account = _snapshot(planned.cash, planned.held, prices, day)
        filled = fill_own_plan(account, plan, costs=setup.costs)
        if not isinstance(filled, Success):
            return filled.map(lambda _: None)
        fill = filled.unwrap()
        done = (fill.snapshot.cash, fill.fees, fill.traded_value)
        ledger.held = dict(fill.snapshot.positions)
    ledger.cash, fees, traded = done
    if ledger.tax is not None:
        traded_symbols = [item.symbol for item in plan.items if item.action is not Action.HOLD]
        day = setup.bars[planned.bar].date
        if plan.tax is not None:
            ledger.tax.harvested += plan.tax.harvested_loss
            chosen = relieved_by_report(plan.tax)
        else:
            chosen = {} if inputs is None else relieved_by_pieces(sold_lots(plan, inputs)[0])
        ledger.tax.follow(planned.held, ledger.held, traded_symbols, prices, day, chosen)
    ledger.fees += fees
    ledger.traded += traded
    ledger.planned.append(planned)
    ledger.plan_bars.append(ledger.bar)
    if not all(map(is_, map(_ACTION, plan.items), repeat(_HOLD))):  # in C
        ledger.traded_plans.append(len(ledger.planned) - 1)
    return _DONE


def _sell_stopped(ledger: Ledger, last: Mapping[str, Decimal], day: date) -> None:
    """Sell what is held of symbols that stopped trading, at their last close, without a fee."""
    for symbol, price in sorted(last.items()):
        quantity = ledger.held.pop(symbol, None)
        if quantity is None:
            if symbol in ledger.targeted:
                message = "stopped trading (no close for too long); its weight waits in cash"
                ledger.notes.append(_note(WarningKind.STOPPED_TRADING, symbol, day, message))
            continue
        ledger.cash += quantity * price
        if ledger.tax is not None and quantity > 0:
            ledger.tax.sell(symbol, quantity, price, day)
        message = f"stopped trading; sold {quantity} shares at its last close {price}"
        ledger.notes.append(_note(WarningKind.STOPPED_TRADING, symbol, day, message))


def _count_carried(ledger: Ledger, symbols: frozenset[str], index: int) -> None:
    """Count carried closes of the symbols that matter (held or targeted), gap by gap."""
    for symbol in symbols:
        if symbol in ledger.held or symbol in ledger.targeted:
            runs = ledger.carried.setdefault(symbol, [])
            if runs and runs[-1][1] == index - 1:  # the gap goes on
                runs[-1] = (runs[-1][0], index)
            else:
                runs.append((index, index))


def _note_moves(ledger: Ledger, moves: tuple[tuple[str, Decimal], ...], day: date) -> None:
    """Warn about split-like moves of held symbols: the backtest booked them as returns."""
    for symbol, ratio in moves:
        if symbol in ledger.held:
            message = (
                f"close moved by a factor of {ratio:.4f} in one bar, like a split; "
                "are the prices split-adjusted?"
            )
            ledger.notes.append(_note(WarningKind.SUSPECTED_SPLIT, symbol, day, message))


def _add_flow(
    ledger: Ledger, amount: Decimal, prices: Mapping[str, Decimal], day: date
) -> PortfolioError | None:
    """Add a contribution (or take a withdrawal); a withdrawal may not exceed the equity."""
    problem = withdrawal_problem(amount, ledger.equity(prices), day)
    if problem is None:
        ledger.cash += amount
    return problem


def _note(kind: WarningKind, symbol: str, day: date, message: str) -> BacktestWarning:
    return BacktestWarning(kind=kind, symbol=symbol, date=day, message=message)
