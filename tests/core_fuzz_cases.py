"""The public API's fuzz cases: hostile and ordinary inputs, and what must hold for each.

Each `check_*` function takes one drawn input, calls the public API with it and returns
the problems it saw (an escaped exception, or an invariant that did not hold), as short
strings; an empty list means the input was handled. tests/test_core_fuzz.py runs every
case a modest number of times and asserts no problem; run this module to fuzz at length
and count what was found (the acceptance run of issue 22):

    python tests/core_fuzz_cases.py 100000

The invariants, for every plan the planner makes:
- cash feasibility: buys never take cash below zero (or below where it was, if it was
  negative already): cash_after ≥ min(cash_before, 0);
- arithmetic: cash_after = cash_before − Σ trade_amount, exactly;
- no dust: filling the plan closes every liquidated position to exactly 0;
- determinism: the same inputs, or the same inputs under a caller's 4-digit context, or
  through a prepared `Planner`, give an equal plan; JSON gives it back equal.

`taxed_plan` does the same with tax lots, recent trades and a `TaxPolicy` (harvesting
and substitutes among them), now and then hostile, and checks too that each sale's
`LotSale`s add up to the shares it sells.
"""

from __future__ import annotations

import decimal
import sys
import traceback
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from returns.pipeline import is_successful
from returns.result import Result

from adapters.fake import FakeBroker
from portfolio import (
    Action,
    Allocation,
    Asset,
    ErrorKind,
    LotMethod,
    OpenOrder,
    PastTrade,
    Planner,
    PortfolioService,
    Reason,
    RebalancePlan,
    SizingPolicy,
    Snapshot,
    TaxLot,
    TaxPolicy,
    fill_plan,
    order_intents,
    plan_rebalance,
    validate,
)
from portfolio.backtest import (
    BacktestResult,
    Bar,
    CashFlows,
    MissingData,
    compare_after_tax,
    run_backtest,
)

D = Decimal
Problems = list[str]
#: Wide enough to add any amounts a plan holds exactly.
_WIDE = decimal.Context(prec=10_000, Emax=10**6, Emin=-(10**6), traps=[])

SYMBOLS = ("SPY", "QQQ", "BTC/USD", "TLT", "IWM")
HOSTILE = [
    D("NaN"),
    D("-sNaN"),
    D("Infinity"),
    D("-0"),
    D("1E-999999"),
    D("1E+999999"),
    D("1E+15"),
    D("-1E+15"),
    D("1E+16"),
    D("1E-9"),
    D("123456789012345.1234567890123456789012345678901234567890123456789"),
    D("0.1000000000000000055511151231257827021181583404541015625"),
]
hostile = st.one_of(
    st.sampled_from(HOSTILE),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(),
    st.none(),
    st.text(max_size=3),
)
money = st.one_of(
    st.decimals(min_value="0", max_value="1000000", places=2),
    st.decimals(min_value="0", max_value="1E+15", places=9),
    st.sampled_from([D(0), D("0.01"), D("1E+15"), D("-50.00"), D("1E-40"), *HOSTILE[9:]]),
)
prices = st.one_of(
    st.decimals(min_value="0.01", max_value="5000", places=2),
    st.decimals(min_value="1E-9", max_value="1E+15", places=9),
    st.sampled_from([D("1E-9"), D("0.0001"), D("1E+15"), D("33.333333333")]),
)
quantities = st.one_of(
    st.decimals(min_value="0", max_value="1000", places=3),
    st.decimals(min_value="-1000", max_value="1E+15", places=9),
    st.sampled_from([D(0), D("1E-9"), D("1E-12"), D("12345678.123456789"), D(-3)]),
)
symbols = st.sampled_from(SYMBOLS)
texts = st.one_of(st.text(max_size=4), st.sampled_from(["\ud800", "", " ", "SPY", "spy"]))


def some(good: st.SearchStrategy[Any], rate: int = 8) -> st.SearchStrategy[Any]:
    """Mostly `good` values, about one in `rate` hostile."""
    return st.sampled_from(range(rate)).flatmap(lambda n: hostile if n == rate - 1 else good)


@st.composite
def weights(draw: st.DrawFn) -> dict[Any, Any]:
    """Weights summing to about 1 (exactly, below or a little above), or hostile ones."""
    chosen = draw(st.lists(symbols, unique=True, max_size=4))
    raw = [draw(st.integers(min_value=0, max_value=1000)) for _ in chosen]
    total = D(max(sum(raw), 1)) * draw(st.sampled_from([D(1), D(1), D("1.25"), D("0.999")]))
    places = draw(st.sampled_from([D("0.01"), D("0.0001"), D("1E-12")]))
    result: dict[Any, Any] = {
        s: (D(r) / total).quantize(places) for s, r in zip(chosen, raw, strict=True)
    }
    if draw(st.integers(0, 9)) == 0:
        result[draw(texts)] = draw(hostile)
    if draw(st.integers(0, 9)) == 0 and result:
        result[next(iter(result))] = -draw(st.sampled_from([D("0.1"), D("0.5")]))
    return result


good_policies = st.builds(
    SizingPolicy,
    min_trade_amount=st.sampled_from([D(0), D("1.00"), D(50)]),
    cash_reserve_pct=st.sampled_from([D(0), D("0.02")]),
    cash_reserve_amount=st.sampled_from([D(0), D(100)]),
    band=st.sampled_from([D(0), D("0.01")]),
    fractional=st.booleans(),
    allow_short=st.booleans(),
    rounding=st.sampled_from(["ROUND_HALF_EVEN", "ROUND_UP", "ROUND_DOWN", "ROUND_HALF_UP"]),
    mode=st.sampled_from(["rebalance", "buy_only", "sell_only"]),
    band_trigger=st.sampled_from(["asset", "portfolio"]),
    buy_price_buffer=st.sampled_from([D(0), D("0.01")]),
)
bad_policies = st.builds(SizingPolicy, min_trade_amount=hostile, band=hostile, rounding=texts)
policies = st.sampled_from(range(10)).flatmap(lambda n: bad_policies if n == 9 else good_policies)


@st.composite
def accounts(draw: st.DrawFn) -> tuple[Allocation, Snapshot, SizingPolicy]:
    """An allocation, a snapshot that mostly prices what it needs, and a policy."""
    target = draw(weights())
    held = {s: draw(some(quantities)) for s in draw(st.lists(symbols, unique=True, max_size=3))}
    wanted = sorted({str(s) for s in [*target, *held]})
    priced = {s: draw(some(prices, 20)) for s in wanted if draw(st.integers(0, 30))}
    assets = {
        s: Asset(
            symbol=s,
            fractionable=draw(st.booleans()),
            tradable=draw(st.integers(0, 9)) > 0,
            shortable=draw(st.booleans()),
            asset_class=draw(st.sampled_from(["us_equity", "crypto"])),
            min_order_notional=draw(st.sampled_from([D(0), D(1), D(10)])),
            quantity_increment=draw(st.sampled_from([None, D("0.0001"), D(1), D("1E-9")])),
        )
        for s in wanted
        if draw(st.integers(0, 3)) == 0
    }
    orders = tuple(
        OpenOrder(
            order_id=f"o{n}",
            symbol=draw(symbols),
            side=draw(st.sampled_from([Action.BUY, Action.SELL])),
            quantity=draw(st.sampled_from([D(1), D("0.5")])),
        )
        for n in range(draw(st.sampled_from([0, 0, 0, 1])))
    )
    snapshot = Snapshot(
        cash=draw(some(money, 20)),
        positions=held,
        prices=priced,
        assets=assets,
        open_orders=orders,
        as_of=draw(st.sampled_from([None, datetime(2024, 1, 2, tzinfo=UTC)])),
    )
    value = draw(st.sampled_from([None, None, None, D(10_000), D(0)]))
    allocation = Allocation(
        target_weights=target, correlation_id=draw(texts), portfolio_value=value
    )
    return allocation, snapshot, draw(policies)


def _is_result(value: object) -> bool:
    """Whether a public function kept its promise of a Result (typed as one: checked anyway)."""
    return isinstance(value, Result)


def guarded(check: Callable[..., Problems]) -> Callable[..., Problems]:
    """The check, with an escaped exception reported as a problem instead of raised."""

    def run(*args: Any) -> Problems:
        try:
            return check(*args)
        except Exception as exc:  # noqa: BLE001 - counting escapes is the point
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            where = f"{frame.filename.rsplit('/', 2)[-2:]}:{frame.lineno}"
            return [f"{check.__name__}: escaped {type(exc).__name__} at {where}"]

    return run


def _exact_sum(values: list[Decimal]) -> Decimal:
    with decimal.localcontext(_WIDE):
        return sum(values, D(0))


def plan_problems(plan: RebalancePlan, snapshot: Snapshot) -> Problems:
    """The invariants every plan the planner makes must hold (see the module docstring)."""
    problems = []
    trades = _exact_sum([item.trade_amount for item in plan.items])
    with decimal.localcontext(_WIDE):
        if plan.cash_after != plan.cash_before - trades:
            problems.append("cash_after != cash_before - Σ trade_amount")
        if plan.cash_after < min(plan.cash_before, D(0)):
            problems.append("buys spend cash that is not there")
    if snapshot.open_orders:  # planned as if they filled: fill_plan knows nothing of them
        return problems
    filled = fill_plan(snapshot, plan)
    if not is_successful(filled):
        problems.append(f"fill_plan refused the plan: {filled.failure().message}")
        return problems
    after = filled.unwrap().snapshot.positions
    problems.extend(
        "a liquidation left dust"
        for item in plan.items
        if item.reason is Reason.LIQUIDATE and after.get(item.symbol, D(0)) != 0
    )
    if RebalancePlan.from_json(plan.to_json()).value_or(None) != plan:
        problems.append("the plan's JSON does not give it back")
    problems.extend(order_problems(plan, snapshot))
    return problems


def order_problems(plan: RebalancePlan, snapshot: Snapshot) -> Problems:
    """Orders are positive quantities, and the orders of a liquidation close it exactly."""
    intents = order_intents(plan, snapshot)
    if not _is_result(intents):
        return ["order_intents returned no Result"]
    if not is_successful(intents):  # a plan the planner made never contradicts itself
        error = intents.failure()
        refused = error.kind is ErrorKind.INVALID_PLAN
        return [f"order_intents refused it: {error.message}"] if refused else []
    moved: dict[str, Decimal] = {}
    problems = []
    for order in intents.unwrap():
        quantity = order.quantity
        if quantity is None or not quantity > 0:
            problems.append("an order of no quantity")
            continue
        sign = 1 if order.side is Action.BUY else -1
        with decimal.localcontext(_WIDE):
            moved[order.symbol] = moved.get(order.symbol, D(0)) + sign * quantity
    for item in plan.items:
        held = snapshot.positions.get(item.symbol, D(0))
        if item.reason is Reason.LIQUIDATE and moved.get(item.symbol) != held.copy_negate():
            problems.append("a liquidation's orders do not close it exactly")
    return problems


@guarded
def check_plan(account: tuple[Allocation, Snapshot, SizingPolicy]) -> Problems:
    """plan_rebalance, validate and a prepared Planner on one account."""
    allocation, snapshot, policy = account
    result = plan_rebalance(allocation, snapshot, policy)
    problems = [] if isinstance(validate(allocation, snapshot, policy), Result) else ["validate"]
    with decimal.localcontext(decimal.Context(prec=4, traps=[])):
        if plan_rebalance(allocation, snapshot, policy) != result:
            problems.append("the plan depends on the caller's decimal context")
    if plan_rebalance(allocation, snapshot, policy) != result:
        problems.append("two runs gave different plans")
    prepared = Planner.prepare(allocation, policy).bind(lambda planner: planner.plan(snapshot))
    if is_successful(result) and prepared != result:
        problems.append("a prepared Planner planned otherwise")
    if is_successful(result):
        problems.extend(plan_problems(result.unwrap(), snapshot))
    return problems


@st.composite
def plan_texts(draw: st.DrawFn) -> str:
    """A planner's plan as JSON with one value replaced, or any text."""
    allocation, snapshot, policy = draw(accounts())
    plan = plan_rebalance(allocation, snapshot, policy)
    if not is_successful(plan):
        return draw(st.text(max_size=40))
    text = plan.unwrap().to_json()
    lines = text.split("\n")
    index = draw(st.integers(0, len(lines) - 1))
    key, colon, _ = lines[index].partition(": ")
    if colon:
        value = draw(
            st.one_of(
                st.sampled_from(
                    ['"9E+999999"', '"-9E+999999"', '"1E+50"', '"NaN"', "1E+99999999999", "[]"]
                ),
                st.sampled_from(['"1E-999999"', '""', "null", '"0"', "{}", '"BUY"', "-1"]),
                st.decimals(allow_nan=False).map(lambda d: f'"{d}"'),
            )
        )
        lines[index] = f"{key}: {value}" + ("," if lines[index].endswith(",") else "")
    return "\n".join(lines)


@guarded
def check_plan_json(text: str) -> Problems:
    """RebalancePlan.from_json on any text; a plan it accepts can be used."""
    result = RebalancePlan.from_json(text)
    if not _is_result(result):
        return ["from_json returned no Result"]
    if is_successful(result):
        plan = result.unwrap()
        _ = (plan.total_buys, plan.total_sells, plan.trades, plan.to_json())
        _ = [item.skipped_amount for item in plan.items]
        snapshot = Snapshot(
            cash=D(1000), prices={item.symbol: D(1) for item in plan.items}, as_of=plan.as_of
        )
        if not isinstance(order_intents(plan, snapshot), Result):
            return ["order_intents returned no Result"]
        if not isinstance(fill_plan(snapshot, plan), Result):
            return ["fill_plan returned no Result"]
    return []


@guarded
def check_records(fields: dict[str, Any]) -> Problems:
    """The records' constructors keep what they are given: validation is the planner's."""
    allocation = Allocation(
        target_weights=fields["weights"],
        correlation_id=fields["text"],
        portfolio_value=fields["number"],
    )
    snapshot = Snapshot(cash=fields["number"], positions=fields["map"], prices=fields["map"])
    policy = SizingPolicy(min_trade_amount=fields["number"], rounding=fields["text"])
    _ = (repr(allocation), repr(snapshot), repr(policy), snapshot.equity, allocation.symbols)
    results = [
        plan_rebalance(allocation, snapshot, policy),
        plan_rebalance(allocation, snapshot),
        validate(allocation, snapshot, policy),
    ]
    return [] if all(isinstance(r, Result) for r in results) else ["no Result"]


@guarded
def check_fake_broker(fields: dict[str, Any]) -> Problems:
    """FakeBroker takes any values (a non-mapping table is a TypeError) and answers Results."""
    try:
        broker = FakeBroker(cash=fields["number"], positions=fields["map"], prices=fields["map"])
    except TypeError:
        return []
    allocation = Allocation(target_weights=fields["weights"], correlation_id="c")
    service = PortfolioService(broker)
    planned = service.create_rebalance_plan(allocation, "c")
    problems = [] if _is_result(planned) else ["create_rebalance_plan gave no Result"]
    if is_successful(planned) and not isinstance(broker.fill(planned.unwrap()), Result):
        problems.append("fill gave no Result")
    _ = (broker.account.equity, broker.get_snapshot(list(fields["map"])))
    return problems


record_fields = st.fixed_dictionaries(
    {
        "weights": st.one_of(
            weights(), st.dictionaries(texts, hostile, max_size=3), hostile, st.lists(hostile)
        ),
        "text": st.one_of(texts, hostile),
        "number": st.one_of(hostile, money),
        "map": st.one_of(
            st.dictionaries(st.one_of(symbols, texts), st.one_of(hostile, prices), max_size=3),
            st.dictionaries(symbols, quantities, max_size=3),
        ),
    }
)


@st.composite
def backtests(draw: st.DrawFn) -> dict[str, Any]:
    """A few bars (gaps, late listings, hostile prices), weights, flows and a schedule."""
    start = date(2024, 1, 31) + timedelta(days=draw(st.integers(0, 3)))
    bars = []
    for n in range(draw(st.integers(1, 8))):
        day = start + timedelta(days=n * draw(st.sampled_from([1, 1, 15])))
        bars.append(
            Bar(
                date=day,
                prices={
                    s: draw(some(prices, 30)) for s in ("SPY", "TLT") if draw(st.integers(0, 4))
                },
            )
        )
    flows = CashFlows(
        monthly=draw(st.sampled_from([D(0), D(500), D(-300), D("-1E+15")])),
        on_dates={bars[-1].date: draw(st.sampled_from([D(100), D(-999_999)]))}
        if draw(st.booleans())
        else {},
    )
    return {
        "bars": bars,
        "weights": draw(st.sampled_from([{"SPY": D("0.6"), "TLT": D("0.4")}, {"SPY": D(1)}])),
        "cash": draw(st.sampled_from([D(10_000), D("0.01"), D("1E+15"), D(1_000_000)])),
        "schedule": draw(st.sampled_from(["monthly", "once", "drift", "daily", "weekly"])),
        "flows": flows,
        "missing": MissingData(delist_after=draw(st.integers(1, 3))),
        "policy": draw(policies),
    }


@guarded
def check_backtest(case: dict[str, Any]) -> Problems:
    """run_backtest answers with a Result; every plan it made holds the invariants."""
    result = run_backtest(
        case["bars"],
        Allocation(target_weights=case["weights"], correlation_id="bt"),
        initial_cash=case["cash"],
        schedule=case["schedule"],
        cash_flows=case["flows"],
        missing=case["missing"],
        policy=case["policy"],
    )
    if not _is_result(result):
        return ["run_backtest gave no Result"]
    return run_problems(result)


def run_problems(result: Result[BacktestResult, Any]) -> Problems:
    """Every plan of a successful run holds the invariants; its reports read."""
    problems: Problems = []
    if is_successful(result):
        run = result.unwrap()
        for plan, account in zip(run.plans, run.accounts, strict=True):
            problems.extend(plan_problems(plan, account))
        _ = (run.total_return, run.fills, [str(w) for w in run.warnings], str(run.tax))
    return problems


ON = date(2024, 1, 2)
good_tax = st.builds(
    TaxPolicy,
    method=st.sampled_from(tuple(LotMethod)),
    max_realized_gain=st.sampled_from([None, D(0), D(50), D(10_000)]),
    defer_short_term_gains=st.booleans(),
    short_term_rate=st.sampled_from([D(0), D("0.37")]),
    long_term_rate=st.sampled_from([D(0), D("0.2")]),
    wash_sale_days=st.sampled_from([0, 30]),
    harvest_threshold=st.sampled_from([None, None, D("0.05")]),
    substitutes=st.sampled_from([{}, {"SPY": ("IWM",)}, {"QQQ": ("TLT", "IWM")}]),
)
bad_tax = st.builds(
    TaxPolicy,
    max_realized_gain=hostile,
    short_term_rate=hostile,
    wash_sale_days=st.one_of(hostile, st.integers(-5, 400)),
    substitutes=st.one_of(hostile, st.dictionaries(texts, st.lists(texts), max_size=2)),
)
tax_policies = st.sampled_from(range(10)).flatmap(lambda n: bad_tax if n == 9 else good_tax)


@st.composite
def clean_accounts(draw: st.DrawFn) -> tuple[Allocation, Snapshot, SizingPolicy]:
    """Accounts with nothing hostile in them: long positions, every symbol priced, a good
    policy, so that the tax rules have sales to choose lots for and cut."""
    chosen = draw(st.lists(st.sampled_from(("SPY", "QQQ", "TLT", "IWM")), unique=True, min_size=1))
    raw = [draw(st.integers(min_value=0, max_value=100)) for _ in chosen]
    total = D(max(sum(raw), 1))
    target = {
        s: (D(r) / total).quantize(D("0.0001"), rounding=decimal.ROUND_DOWN)
        for s, r in zip(chosen, raw, strict=True)
    }
    held = {
        s: draw(st.decimals(min_value="0.5", max_value="300", places=draw(st.sampled_from([0, 3]))))
        for s in ("SPY", "QQQ", "TLT", "IWM")
        if draw(st.booleans())
    }
    snapshot = Snapshot(
        cash=draw(st.decimals(min_value="0", max_value="20000", places=2)),
        positions=held,
        prices={
            s: draw(st.decimals(min_value="5", max_value="900", places=2))
            for s in ("SPY", "QQQ", "TLT", "IWM")
        },
    )
    return Allocation(target_weights=target, correlation_id="taxed"), snapshot, draw(good_policies)


@st.composite
def taxed_accounts(draw: st.DrawFn) -> tuple[Allocation, Snapshot, SizingPolicy]:
    """`accounts`, each long position split into lots (now and then hostile ones), recent
    trades, an `as_of`, and a tax policy."""
    allocation, snapshot, policy = draw(st.one_of(accounts(), clean_accounts()))
    lots: dict[Any, Any] = {}
    positions: dict[Any, object] = dict(snapshot.positions)  # hostile values among them
    for symbol, held in positions.items():
        if not (isinstance(held, Decimal) and held.is_finite() and held > 0):
            continue
        with decimal.localcontext(_WIDE):
            pieces = [held] if held <= 1 else [held - 1, D(1)]  # exact: they sum to held
        lots[symbol] = tuple(
            TaxLot(
                quantity=piece,
                cost=draw(some(prices, 15)),
                acquired=ON - timedelta(days=draw(st.sampled_from([0, 10, 29, 30, 31, 365, 366]))),
                lot_id=f"{symbol}-{n}",
            )
            for n, piece in enumerate(pieces)
        )
    if draw(st.integers(0, 9)) == 0:
        lots[draw(symbols)] = draw(st.one_of(hostile, st.lists(hostile, max_size=2)))
    trades = tuple(
        PastTrade(
            symbol=draw(symbols),
            action=draw(st.sampled_from([Action.BUY, Action.SELL])),
            quantity=draw(some(quantities, 15)),
            price=draw(some(prices, 15)),
            on=ON - timedelta(days=draw(st.integers(0, 40))),
            realized_gain=draw(st.sampled_from([None, D(-25), D(10)])),
        )
        for _ in range(draw(st.integers(0, 2)))
    )
    as_of = draw(st.sampled_from([datetime(2024, 1, 2, 21, tzinfo=UTC)] * 9 + [None]))
    taxed = Snapshot(
        cash=snapshot.cash,
        positions=snapshot.positions,
        prices=snapshot.prices,
        assets=snapshot.assets,
        open_orders=snapshot.open_orders,
        as_of=as_of,
        lots=lots,
        recent_trades=trades,
    )
    return allocation, taxed, attrs.evolve(policy, tax=draw(tax_policies))


@guarded
def check_taxed_plan(account: tuple[Allocation, Snapshot, SizingPolicy]) -> Problems:
    """`check_plan` under tax rules; a taxed plan's report sells what its items sell."""
    problems = check_plan(account)
    allocation, snapshot, policy = account
    result = plan_rebalance(allocation, snapshot, policy)
    if not is_successful(result) or policy.tax is None:
        return problems
    plan = result.unwrap()
    if plan.tax is None:
        return [*problems, "a taxed plan without a TaxReport"]
    for item in plan.items:
        lots = snapshot.lots.get(item.symbol) if isinstance(snapshot.lots, dict) else None
        if item.action is not Action.SELL or not lots or item.symbol in plan.tax.unknown_basis:
            continue
        sold = _exact_sum([sale.quantity for sale in plan.tax.sales if sale.symbol == item.symbol])
        held = snapshot.positions[item.symbol]
        if sold != min(-item.quantity, held):
            problems.append("a sale's lots do not add up to the shares it sells")
    return problems


@st.composite
def taxed_backtests(draw: st.DrawFn) -> dict[str, Any]:
    """`backtests` under a tax policy (now and then hostile), taxes paid or not."""
    case = draw(backtests())
    bars = case["bars"]
    if draw(st.booleans()):  # a longer run, across a year end and the wash-sale window
        bars = [
            Bar(date=date(2023, 11, 1) + timedelta(days=7 * n), prices=bar.prices)
            for n, bar in enumerate(bars * draw(st.integers(2, 6)))
        ]
    return {
        **case,
        "bars": bars,
        "policy": attrs.evolve(case["policy"], tax=draw(tax_policies)),
        "pay_taxes": draw(st.booleans()),
    }


@guarded
def check_taxed_backtest(case: dict[str, Any]) -> Problems:
    """run_backtest and compare_after_tax under tax rules answer with a Result; every plan
    holds the invariants, and the tax record's realized gains are what its years add to."""
    arguments = {
        "initial_cash": case["cash"],
        "schedule": case["schedule"],
        "cash_flows": case["flows"],
        "missing": case["missing"],
        "policy": case["policy"],
        "pay_taxes": case["pay_taxes"],
    }
    allocation = Allocation(target_weights=case["weights"], correlation_id="bt")
    result = run_backtest(case["bars"], allocation, **arguments)
    compared = compare_after_tax(case["bars"], allocation, **arguments)
    if not (_is_result(result) and _is_result(compared)):
        return ["a taxed backtest gave no Result"]
    if is_successful(compared):
        _ = str(compared.unwrap())
    return run_problems(result)


CASES: dict[str, tuple[Callable[..., Problems], st.SearchStrategy[Any]]] = {
    "plan": (check_plan, accounts()),
    "plan_json": (check_plan_json, st.one_of(plan_texts(), st.text(max_size=60))),
    "records": (check_records, record_fields),
    "fake_broker": (check_fake_broker, record_fields),
    "backtest": (check_backtest, backtests()),
    "taxed_plan": (check_taxed_plan, taxed_accounts()),
    "taxed_backtest": (check_taxed_backtest, taxed_backtests()),
}
#: Share of a long run each case gets (the planner's invariants are the most to check).
SHARES = {
    "plan": 0.3,
    "plan_json": 0.15,
    "records": 0.1,
    "fake_broker": 0.1,
    "backtest": 0.1,
    "taxed_plan": 0.15,
    "taxed_backtest": 0.1,
}


def fuzz(name: str, examples: int, found: Counter[str]) -> int:
    """Run one case `examples` times without stopping at a problem; count problems in `found`."""
    check, strategy = CASES[name]
    runs = 0

    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def run(value: Any) -> None:
        nonlocal runs
        runs += 1
        for problem in check(value):
            if not found[problem]:
                print(f"  {problem}\n    on {value!r:.3000}", flush=True)  # noqa: T201 - the offline run reports here
            found[problem] += 1

    run()
    return runs


def main(total: int) -> None:
    """Fuzz every case, `total` inputs in all, and print what was found."""
    found: Counter[str] = Counter()
    runs = 0
    for name, share in SHARES.items():
        done = fuzz(name, int(total * share), found)
        print(f"{name}: {done} inputs", flush=True)  # noqa: T201 - the offline run reports here
        runs += done
    escaped = sum(n for problem, n in found.items() if "escaped" in problem)
    print(f"{runs} inputs: {escaped} escaped exceptions, {found.total() - escaped} violations")  # noqa: T201 - the offline run reports here
    for problem, n in found.most_common():
        print(f"  {n:6d}  {problem}")  # noqa: T201 - the offline run reports here


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
