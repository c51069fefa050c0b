"""`sell_only` with whole lots and broker minimums: the least over-sale (docs/policy.md).

Each symbol's share of the withdrawal (the water-fill over what is overweight) is
rounded down to what it can sell, and then the fewest shares are rounded up (a lot, or
to the minimum order) that raise the cash with the least over-sale. Hand-computed
cases, `least_cover` against every choice, and a brute force over small accounts.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_UP, Decimal
from itertools import combinations, product

from hypothesis import given, settings
from hypothesis import strategies as st
from test_planner_modes import plan

from portfolio import (
    Action,
    Asset,
    Reason,
    RebalancePlan,
    Snapshot,
    fill_plan,
)
from portfolio.records.plan_item import PlanItem
from portfolio.steps.modes import EXACT_COVER_UP_TO, least_cover, water_fill

D = Decimal
CENT = D("0.01")


def sales(result: RebalancePlan) -> list[tuple[str, Action, Decimal, Decimal]]:
    return [(i.symbol, i.action, i.quantity, i.trade_amount) for i in result.items]


def test_two_shares_of_half_a_lot_sell_one_lot_not_two() -> None:
    # V = 2,000 (10 A and 10 B at 100), reserve 100: targets 950 each, both 50 over, so
    # each gives 50 of the 100. Each rounded up to a share would sell 200; rounded down,
    # neither sells: one is rounded up, A (the first), and 100 is raised exactly.
    account = Snapshot(
        cash=D(0), positions={"A": D(10), "B": D(10)}, prices={"A": D(100), "B": D(100)}
    )
    result = plan(
        {"A": "0.5", "B": "0.5"},
        account,
        mode="sell_only",
        cash_reserve_amount=D(100),
        fractional=False,
    )
    assert sales(result) == [
        ("A", Action.SELL, D(-1), D("-100.00")),
        ("B", Action.HOLD, D(0), D(0)),
    ]
    assert result.cash_after == D("100.00")


def test_the_one_lot_that_covers_with_the_least_over_sale() -> None:
    # V = 600 + 1,300 + 1,000 = 2,900, reserve 110: investable 2,790, targets A 837,
    # B 1,116, C 837. B is 184 over, C 163, A under: the 110 levels B and C (65.50 and
    # 44.50). Rounded down neither sells a lot (130 and 100); C's lot alone (100) falls
    # short, B's (130) covers with 20 over, both would sell 230 (120 over): B sells one.
    account = Snapshot(
        cash=D(0),
        positions={"A": D(10), "B": D(10), "C": D(10)},
        prices={"A": D(60), "B": D(130), "C": D(100)},
    )
    result = plan(
        {"A": "0.3", "B": "0.4", "C": "0.3"},
        account,
        mode="sell_only",
        cash_reserve_amount=D(110),
        fractional=False,
    )
    assert sales(result) == [
        ("B", Action.SELL, D(-1), D("-130.00")),
        ("A", Action.HOLD, D(0), D(0)),
        ("C", Action.HOLD, D(0), D(0)),
    ]


def test_a_share_of_more_than_a_lot_keeps_its_whole_lots() -> None:
    # V = 5,000 (25 A and 25 B at 100), reserve 250: targets 2,375 each, both 125 over:
    # 125 each. Rounded down, one share each (200); 50 is still short: one more share of
    # A (the first of two equal choices) raises 300 in all, 50 over, the least there is
    # (each rounded up on its own, 400: 150 over).
    account = Snapshot(
        cash=D(0), positions={"A": D(25), "B": D(25)}, prices={"A": D(100), "B": D(100)}
    )
    result = plan(
        {"A": "0.5", "B": "0.5"},
        account,
        mode="sell_only",
        cash_reserve_amount=D(250),
        fractional=False,
    )
    assert sales(result) == [
        ("A", Action.SELL, D(-2), D("-200.00")),
        ("B", Action.SELL, D(-1), D("-100.00")),
    ]
    filled = fill_plan(account, result).unwrap().snapshot
    assert filled.cash == D(300)


def test_a_fractional_sale_takes_up_what_a_whole_lot_rounds_away() -> None:
    # 2 W at 1,000 (whole shares) and 10 F at 100, no cash, reserve 90: V = 3,000, the
    # investable 2,910; at 65 % / 35 % the targets are W 1,891.50 (108.50 over) and F
    # 1,018.50 (18.50 under): W's share is all 90. It rounds down to no share, and F takes
    # it up: F sells 90.00, exactly the withdrawal. W's share rounded up would sell 1,000:
    # 910 too many.
    account = Snapshot(
        cash=D(0),
        positions={"W": D(2), "F": D(10)},
        prices={"W": D(1000), "F": D(100)},
        assets={"W": Asset(symbol="W", fractionable=False)},
    )
    weights = {"W": "0.65", "F": "0.35"}
    result = plan(weights, account, mode="sell_only", cash_reserve_amount=D(90))
    assert sales(result) == [
        ("F", Action.SELL, D("-0.9"), D("-90.00")),
        ("W", Action.HOLD, D(0), D(0)),
    ]
    assert result.cash_after == D("90.00")


def test_the_fractional_sales_take_it_up_most_overweight_first() -> None:
    # 1 W at 1,000, F 10 at 100 and G 10 at 100, no cash, reserve 300: V = 3,000, the
    # investable 2,700; at 30 / 35 / 35 % the targets are W 810 (190 over), F and G 945
    # (55 over each). The 300 levels them: W gives 135 down to 55 over, then each 55:
    # W 190, F 55, G 55. W's share rounds down to no share; F and G take up its 190 by
    # the same water-fill (equally over: equal parts): 150.00 each, exactly the 300.
    account = Snapshot(
        cash=D(0),
        positions={"W": D(1), "F": D(10), "G": D(10)},
        prices={"W": D(1000), "F": D(100), "G": D(100)},
        assets={"W": Asset(symbol="W", fractionable=False)},
    )
    weights = {"W": "0.3", "F": "0.35", "G": "0.35"}
    result = plan(weights, account, mode="sell_only", cash_reserve_amount=D(300))
    assert sales(result) == [
        ("F", Action.SELL, D("-1.5"), D("-150.00")),
        ("G", Action.SELL, D("-1.5"), D("-150.00")),
        ("W", Action.HOLD, D(0), D(0)),
    ]


def test_a_liquidation_that_rounds_up_is_covered_by_the_lots_at_the_fill() -> None:
    # 0.909 X at 33.333 is worth 30.299697: its liquidation's amount is 30.30, but the
    # fill raises 30.299697. 100 W at 10 (whole shares), no cash, reserve 100.30: V =
    # 1,030.30, W's target 930.00 (70.00 over) and X's 0 (30.30 over), so the shares are
    # exactly 30.30 and 70.00. Counted at 30.30, 7 W would do, and the fill would leave
    # 100.299697, short of the reserve: the next plan would sell another W. X surely
    # raises 30.29, so W gives 70.01: 8 shares, and the fill leaves 110.299697.
    account = Snapshot(
        cash=D(0),
        positions={"X": D("0.909"), "W": D(100)},
        prices={"X": D("33.333"), "W": D(10)},
        assets={"W": Asset(symbol="W", fractionable=False)},
    )
    policy = {"mode": "sell_only", "cash_reserve_amount": D("100.30")}
    result = plan({"W": "1"}, account, **policy)
    assert sales(result) == [
        ("W", Action.SELL, D(-8), D("-80.00")),
        ("X", Action.SELL, D("-0.909"), D("-30.30")),
    ]
    assert result.items[1].reason is Reason.LIQUIDATE
    after = fill_plan(account, result).unwrap().snapshot
    assert after.cash == D("110.299697")
    assert plan({"W": "1"}, after, **policy).trades == ()


def test_a_liquidation_that_rounds_up_is_covered_beside_a_broker_minimum() -> None:
    # The same account with W fractional but a broker minimum of 25: counted at 30.30,
    # W would sell 70.00 (7 shares), the fill would leave 100.299697, and the next plan
    # would raise the missing 0.000303 to the minimum: 25.00. X surely raises 30.29, so W
    # sells 70.01 (7.001 shares) and the fill leaves 100.309697.
    account = Snapshot(
        cash=D(0),
        positions={"X": D("0.909"), "W": D(100)},
        prices={"X": D("33.333"), "W": D(10)},
        assets={"W": Asset(symbol="W", min_order_notional=D(25))},
    )
    policy = {"mode": "sell_only", "cash_reserve_amount": D("100.30")}
    result = plan({"W": "1"}, account, **policy)
    assert sales(result) == [
        ("W", Action.SELL, D("-7.001"), D("-70.01")),
        ("X", Action.SELL, D("-0.909"), D("-30.30")),
    ]
    after = fill_plan(account, result).unwrap().snapshot
    assert after.cash == D("100.309697")
    assert plan({"W": "1"}, after, **policy).trades == ()


def test_least_cover_finds_the_least_excess_then_the_fewest_then_the_first() -> None:
    assert least_cover([D(60), D(130), D(100)], D(110)) == (1,)
    assert least_cover([D(50), D(70), D(40)], D(90)) == (0, 2)  # 90 exactly
    assert least_cover([D(100), D(100)], D(100)) == (0,)  # a tie: the first
    assert least_cover([D(50), D(50), D(100)], D(100)) == (2,)  # the fewest
    assert least_cover([D(10), D(20)], D(0)) == ()
    assert least_cover([D(10), D(20)], D(50)) == (0, 1)  # all, and still short


def _best(rises: list[Decimal], gap: Decimal) -> tuple[Decimal, int, tuple[int, ...]]:
    """(excess, count, indices) least over every subset that reaches `gap`."""
    found = []
    for size in range(len(rises) + 1):
        for picked in combinations(range(len(rises)), size):
            total = sum((rises[n] for n in picked), D(0))
            if total >= gap:
                found.append((total - gap, size, picked))
    return min(found)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=500), min_size=1, max_size=8),
    st.integers(min_value=1, max_value=1500),
)
def test_least_cover_is_the_best_subset(rises: list[int], gap: int) -> None:
    values = [D(r) for r in rises]
    if sum(values) <= gap:
        assert least_cover(values, D(gap)) == tuple(range(len(values)))
        return
    assert least_cover(values, D(gap)) == _best(values, D(gap))[2]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.integers(min_value=1, max_value=500),
        min_size=EXACT_COVER_UP_TO + 1,
        max_size=EXACT_COVER_UP_TO + 8,
    ),
    st.integers(min_value=1, max_value=3000),
)
def test_with_many_rises_the_cover_still_reaches_the_gap_with_none_to_spare(
    rises: list[int], gap: int
) -> None:
    """The greedy beyond `EXACT_COVER_UP_TO`: it reaches the gap, and no rise it picks
    could be left out."""
    values = [D(r) for r in rises]
    picked = least_cover(values, D(gap))
    total = sum((values[n] for n in picked), D(0))
    if sum(values) <= gap:
        assert picked == tuple(range(len(values)))
        return
    assert total >= gap
    assert all(total - values[n] < gap for n in picked)


# The brute force: small whole-share accounts, every rounding of every share. ----------


def _shares(
    result: RebalancePlan, need: Decimal, minimums: dict[str, Decimal]
) -> dict[str, tuple[PlanItem, Decimal]]:
    """Each candidate's share of `need` (cents), as docs/policy.md defines it."""
    rows = [
        i
        for i in result.items
        if i.current_value > 0
        and not (i.current_value < minimums.get(i.symbol, D(0)) and i.target_value != 0)
    ]
    excess = [i.current_value - i.target_value for i in rows]
    floor = min([*excess, D(0)])
    values = [i.current_value for i in rows]
    amounts = water_fill([e - floor for e in excess], need, values)
    rounded = [a.quantize(CENT, rounding=ROUND_DOWN) for a in amounts]
    short = need - sum(rounded, D(0))
    for n, cap in enumerate(values):  # the cents lost, given back in symbol order
        extra = min(short, cap - rounded[n]) if short > 0 else D(0)
        if extra > 0:
            rounded[n] += extra
            short -= extra
    return {i.symbol: (i, a) for i, a in zip(rows, rounded, strict=True) if a > 0}


def _options(item: PlanItem, share: Decimal, held: Decimal, minimum: Decimal) -> set[Decimal]:
    """The shares (whole) a symbol may sell: its share rounded down or up to a lot, none
    below the minimum order (up: at least the minimum), never more than held."""
    price = item.price
    if share >= item.current_value:
        return {held}
    down = (share / price).to_integral_value(rounding=ROUND_DOWN)
    down = down if down * price >= minimum else D(0)
    up = min((max(share, minimum) / price).to_integral_value(rounding=ROUND_UP), held)
    return {down, up}


@st.composite
def whole_accounts(draw: st.DrawFn) -> tuple[dict[str, str], Snapshot, Decimal]:
    """2-4 whole-share symbols, all held, prices in cents, broker minimums now and then."""
    count = draw(st.integers(min_value=2, max_value=4))
    symbols = [f"S{n}" for n in range(count)]
    prices = {s: D(draw(st.integers(min_value=100, max_value=50_000))) / 100 for s in symbols}
    held = {s: D(draw(st.integers(min_value=1, max_value=12))) for s in symbols}
    assets = {
        s: Asset(
            symbol=s,
            fractionable=False,
            min_order_notional=D(draw(st.sampled_from([0, 0, 0, 50, 300]))),
        )
        for s in symbols
    }
    raw = [draw(st.integers(min_value=1, max_value=10)) for _ in symbols]
    weights = {
        s: str((D(r) / sum(raw)).quantize(D("0.0001"), rounding=ROUND_DOWN))
        for s, r in zip(symbols, raw, strict=True)
    }
    snapshot = Snapshot(cash=D(0), positions=held, prices=prices, assets=assets)
    value = sum((held[s] * prices[s] for s in symbols), D(0))
    reserve = (value * D(draw(st.integers(min_value=1, max_value=30))) / 100).quantize(CENT)
    return weights, snapshot, reserve


@settings(max_examples=250, deadline=None)
@given(whole_accounts())
def test_a_whole_share_withdrawal_sells_the_least_over_the_need(
    account: tuple[dict[str, str], Snapshot, Decimal],
) -> None:
    """Every sale is its share rounded down or up to a lot (or to the minimum), the
    withdrawal is raised, and no such choice raises it with less over-sale."""
    weights, snapshot, reserve = account
    result = plan(weights, snapshot, mode="sell_only", cash_reserve_amount=reserve)
    need = reserve.quantize(CENT, rounding=ROUND_UP)
    minimums = {s: a.min_order_notional for s, a in snapshot.assets.items()}
    shares = _shares(result, need, minimums)
    options = {
        s: sorted(_options(i, a, snapshot.positions[s], minimums[s]))
        for s, (i, a) in shares.items()
    }
    sold = {i.symbol: -i.quantity for i in result.items if i.action is Action.SELL}
    assert set(sold) <= set(options)
    assert all(sold.get(s, D(0)) in counts for s, counts in options.items())
    raised = sum((q * snapshot.prices[s] for s, q in sold.items()), D(0))
    covers = [
        sum((q * snapshot.prices[s] for s, q in zip(options, counts, strict=True)), D(0))
        for counts in product(*options.values())
    ]
    enough = [c for c in covers if c >= need]
    if not enough:  # the positions cannot raise it: every share rounded up
        assert raised == max(covers)
        return
    assert raised >= need
    assert raised - need == min(enough) - need
    assert all(i.reason is Reason.REBALANCE for i in result.items if i.action is Action.SELL)


# Beside fractional positions: they take up what the lots round away. -----------------


@st.composite
def mixed_accounts(draw: st.DrawFn) -> tuple[dict[str, str], Snapshot, Decimal]:
    """1-3 whole-share symbols and 1-2 fractional ones, broker minimums now and then."""
    weights, snapshot, _ = draw(whole_accounts())
    prices, held, assets = dict(snapshot.prices), dict(snapshot.positions), dict(snapshot.assets)
    for n in range(draw(st.integers(min_value=1, max_value=2))):
        s = f"F{n}"
        prices[s] = D(draw(st.integers(min_value=100, max_value=50_000))) / 100
        held[s] = D(draw(st.integers(min_value=1, max_value=12_000_000))) / 1_000_000
        minimum = D(draw(st.sampled_from([0, 0, 0, 50, 300])))
        assets[s] = Asset(symbol=s, min_order_notional=minimum)
    symbols = sorted(prices)
    raw = [draw(st.integers(min_value=0, max_value=10)) for _ in symbols]
    raw[0] += 1
    weights = {
        s: str((D(r) / sum(raw)).quantize(D("0.0001"), rounding=ROUND_DOWN))
        for s, r in zip(symbols, raw, strict=True)
    }
    value = sum((held[s] * prices[s] for s in symbols), D(0))
    reserve = (value * D(draw(st.integers(min_value=1, max_value=30))) / 100).quantize(CENT)
    return weights, Snapshot(cash=D(0), positions=held, prices=prices, assets=assets), reserve


@settings(max_examples=250, deadline=None)
@given(mixed_accounts())
def test_beside_fractional_positions_the_withdrawal_sells_the_least_over_the_need(
    account: tuple[dict[str, str], Snapshot, Decimal],
) -> None:
    """The rule's choices: each whole-lot share (and each fractional share below its
    minimum) rounded down or up; the fractional positions sold as they are may sell more
    than their shares (up to what they hold), never less. The plan raises the need, with
    no more over-sale than the least of these choices (give or take a cent a position:
    fractional shares round up at the ninth decimal, and to cents)."""
    weights, snapshot, reserve = account
    result = plan(weights, snapshot, mode="sell_only", cash_reserve_amount=reserve)
    need = reserve.quantize(CENT, rounding=ROUND_UP)
    minimums = {s: a.min_order_notional for s, a in snapshot.assets.items()}
    shares = _shares(result, need, minimums)
    candidates = _candidates(result, minimums)
    whole = {s for s in snapshot.prices if not s.startswith("F")}
    discrete: dict[str, list[Decimal]] = {}
    least = most = D(0)  # what the fractional positions sold as they are raise, at least/most
    for i in candidates:
        s, share = i.symbol, shares.get(i.symbol, (i, D(0)))[1]
        if s in whole and share > 0:
            counts = _options(i, share, snapshot.positions[s], minimums[s])
            discrete[s] = [q * i.price for q in counts]
        elif s not in whole and 0 < share < minimums[s] and share < i.current_value:
            discrete[s] = [D(0), min(minimums[s], i.current_value)]
        elif s not in whole and (share > 0 or not minimums[s]):  # sold whole: its exact value
            exact = (snapshot.positions[s] * i.price).quantize(CENT, rounding=ROUND_DOWN)
            least, most = least + share, most + max(min(i.current_value, exact), share)
        else:
            least, most = least + share, most + share
    covers = [sum(values, D(0)) for values in product(*discrete.values())]
    overs = [max(c + least - need, D(0)) for c in covers if c + most >= need]
    raised = sum((-i.quantity * i.price for i in result.items if i.action is Action.SELL), D(0))
    if not overs:  # the positions cannot raise it
        return
    slack = CENT * (1 + len([s for s in snapshot.prices if s not in whole]))
    assert raised >= need
    assert raised - need <= min(overs) + slack


def _candidates(result: RebalancePlan, minimums: dict[str, Decimal]) -> list[PlanItem]:
    """The positions a withdrawal may sell (as `_shares` reads them)."""
    return [
        i
        for i in result.items
        if i.current_value > 0
        and not (i.current_value < minimums.get(i.symbol, D(0)) and i.target_value != 0)
    ]
