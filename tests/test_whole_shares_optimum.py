"""Whole-share plans against the optimum found by enumerating every whole-share count.

The documented objective (docs/policy.md): Σ |target − quantity × price| over the
whole-share symbols plus the distance between what is left of the value and the
fractional symbols' targets. On small accounts (1–4 whole-share symbols, 0–2
fractional, random holdings, weights summing to 1, no minimum trade, no bands) every
count each whole-share symbol could end with is tried, within what the account can pay
(its cash plus every sale, the fractional holdings sold whole included); the plan must
come within 0.1 % (plus 2 cents of rounding) of the best. `WHOLE_SHARE_EXAMPLES` raises
the number of accounts for a long run.
"""

from __future__ import annotations

import os
from decimal import ROUND_DOWN, Decimal
from itertools import product

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio import Action, Allocation, Asset, Reason, SizingPolicy, Snapshot, plan_rebalance
from portfolio.records.plan import RebalancePlan
from portfolio.records.plan_item import PlanItem
from portfolio.steps.whole.lots import funding_sales

D = Decimal
CENT = D("0.01")
EXAMPLES = int(os.environ.get("WHOLE_SHARE_EXAMPLES", "100"))


@attrs.frozen(kw_only=True)
class Account:
    """A small account: whole-share and fractional symbols, holdings, weights and cash."""

    whole: list[str]
    prices: dict[str, Decimal]
    held: dict[str, Decimal]
    weights: dict[str, Decimal]
    cash: Decimal

    def plan(self, policy: SizingPolicy | None = None) -> RebalancePlan:
        snapshot = Snapshot(
            cash=self.cash,
            positions={s: q for s, q in self.held.items() if q},
            prices=self.prices,
            assets={s: Asset(symbol=s, fractionable=False) for s in self.whole},
        )
        allocation = Allocation(target_weights=self.weights, correlation_id="optimum")
        return plan_rebalance(
            allocation, snapshot, policy or SizingPolicy(min_trade_amount=D(0))
        ).unwrap()


@st.composite
def accounts(draw: st.DrawFn) -> Account:
    """1–4 whole-share symbols (each at most ~12 shares of the account), 0–2 fractional.

    Each fractional holding is worth up to twice the account's scale: large enough that
    selling it beyond its target is what funds a whole lot.
    """
    n_whole = draw(st.integers(min_value=1, max_value=4))
    n_fractional = draw(st.integers(min_value=0, max_value=2))
    whole = [f"W{i}" for i in range(n_whole)]
    fractional = [f"F{i}" for i in range(n_fractional)]
    scale = draw(st.integers(min_value=1_000, max_value=1_000_000))  # about the account's value
    prices: dict[str, Decimal] = {}
    for s in whole:  # between a twelfth of the account and about 1.4 times it
        shares = draw(st.floats(min_value=0.7, max_value=12))
        prices[s] = max(D(f"{scale / shares:.2f}"), CENT)
    for s in fractional:
        prices[s] = D(draw(st.integers(min_value=100, max_value=100_000))) / 100
    held: dict[str, Decimal] = {}
    for s in whole:
        held[s] = D(draw(st.integers(min_value=0, max_value=int(scale // prices[s]) + 1)))
    for s in fractional:
        held[s] = D(draw(st.integers(min_value=0, max_value=200 * scale))) / 100 / prices[s]
        held[s] = held[s].quantize(D("0.000001"))
    symbols = [*whole, *fractional]
    raw = [draw(st.integers(min_value=1, max_value=1_000)) for _ in symbols]
    weights = {
        s: (D(r) / sum(raw)).quantize(D("0.000001")) for s, r in zip(symbols, raw, strict=True)
    }
    weights[symbols[0]] += 1 - sum(weights.values())
    cash = D(draw(st.integers(min_value=0, max_value=100 * scale))) / 100
    return Account(whole=whole, prices=prices, held=held, weights=weights, cash=cash)


def objective(account: Account, plan: RebalancePlan, whole_final: dict[str, Decimal]) -> Decimal:
    """Σ |target − q × price| (whole) + |V − Σ whole q × price − Σ fractional targets|."""
    targets = {i.symbol: i.target_value for i in plan.items}
    gaps = sum((abs(targets[s] - q * account.prices[s]) for s, q in whole_final.items()), D(0))
    left = plan.total_value - sum((q * account.prices[s] for s, q in whole_final.items()), D(0))
    fractional = sum((t for s, t in targets.items() if s not in whole_final), D(0))
    return gaps + abs(left - fractional)


def planned(account: Account, plan: RebalancePlan) -> dict[str, Decimal]:
    """The whole-share quantities the plan leaves."""
    moved = {i.symbol: i.quantity for i in plan.items if i.action is not Action.HOLD}
    return {s: account.held[s] + moved.get(s, D(0)) for s in account.whole}


def optimum(account: Account, plan: RebalancePlan) -> Decimal:
    """The least objective over every whole-share count the account can pay for.

    Buys are paid by the cash and every sale: the whole shares' and the fractional
    holdings' (each may be sold whole, beyond its target, to fund one more lot).
    """
    # A fractional holding sold whole surely raises its exact value rounded down to the
    # cent (`steps.whole.lots.counted`): the fill pays exactly shares × price.
    fractional_held = sum(
        (
            (account.held[s] * account.prices[s]).quantize(CENT, rounding=ROUND_DOWN)
            for s in account.held
            if s not in account.whole
        ),
        D(0),
    )
    whole = account.whole
    held_value = sum((account.held[s] * account.prices[s] for s in whole), D(0))
    purse = account.cash + fractional_held + held_value  # the most whole shares can be worth
    ranges = [range(int(purse // account.prices[s]) + 1) for s in whole]
    best: Decimal | None = None
    for counts in product(*ranges):
        final = dict(zip(whole, map(D, counts), strict=True))
        worth = sum((q * account.prices[s] for s, q in final.items()), D(0))
        if worth <= purse:
            value = objective(account, plan, final)
            best = value if best is None or value < best else best
    assert best is not None
    return best


def check(account: Account) -> tuple[Decimal, Decimal]:
    """(the plan's objective, the enumerated optimum); asserts the plan is within reach."""
    plan = account.plan()
    assert plan.cash_after >= 0
    mine = objective(account, plan, planned(account, plan))
    best = optimum(account, plan)
    assert mine <= best * D("1.001") + 2 * CENT, (mine, best)
    return mine, best


@settings(max_examples=EXAMPLES, deadline=None)
@given(accounts())
def test_whole_shares_come_within_a_tenth_of_a_percent_of_the_enumerated_optimum(
    account: Account,
) -> None:
    """From holdings and from cash, the plan is the best whole-share counts (0.1 %, 2 cents)."""
    check(account)


@settings(max_examples=max(EXAMPLES // 3, 20), deadline=None)
@given(accounts())
def test_whole_shares_from_cash_come_within_a_tenth_of_a_percent_of_the_optimum(
    account: Account,
) -> None:
    """The same accounts with every holding sold: the plan from cash is as good."""
    worth = sum((q * account.prices[s] for s, q in account.held.items()), D(0))
    check(attrs.evolve(account, held=dict.fromkeys(account.held, D(0)), cash=account.cash + worth))


@settings(max_examples=max(EXAMPLES // 3, 20), deadline=None)
@given(accounts())
def test_replanning_the_filled_account_trades_nothing(account: Account) -> None:
    """Filled at its prices, the plan's account plans again to no whole-share trade."""
    plan = account.plan()
    moved = {i.symbol: i.quantity for i in plan.items}
    filled = attrs.evolve(
        account,
        held={s: q + moved.get(s, D(0)) for s, q in account.held.items()},
        cash=plan.cash_after,
    )
    again = filled.plan()
    assert [i for i in again.trades if i.symbol in account.whole] == []


# The issue's examples (issue 19), each hand-checked.


def whole_share(*symbols: str) -> dict[str, Asset]:
    return {s: Asset(symbol=s, fractionable=False) for s in symbols}


def trades_of(plan: RebalancePlan) -> dict[str, Decimal]:
    return {i.symbol: i.quantity for i in plan.trades}


def test_selling_lots_of_one_symbol_buys_a_lot_of_another() -> None:
    # V = 16 × 3,779.82 + 39,522.88 = 100,000; targets W0 58,496.30 and W1 41,503.70.
    # Buying 1 W1 (the plan before) leaves W0 1,980.82 over, W1 16,569.33 short and
    # 14,588.51 idle: 33,138.66. Selling 3 W0 (11,339.46) and buying 2 W1 (49,868.74):
    # W0 49,137.66 (9,358.64 short), W1 8,365.04 over, 993.60 idle: 18,717.28.
    account = Account(
        whole=["W0", "W1"],
        prices={"W0": D("3779.82"), "W1": D("24934.37")},
        held={"W0": D(16), "W1": D(0)},
        weights={"W0": D("0.584963"), "W1": D("0.415037")},
        cash=D("39522.88"),
    )
    plan = account.plan(SizingPolicy())
    assert trades_of(plan) == {"W0": D(-3), "W1": D(2)}
    assert plan.cash_after == D("993.60")
    assert objective(account, plan, planned(account, plan)) == D("18717.28")


def test_selling_two_lots_comes_nearer_than_one() -> None:
    # V = 7 × 846.37 + 2.025801 × 461.55 + 13,140.40 = 20,000.00 (to the cent); targets
    # W0 690.92, W1 4,509.24, W2 8,687.14, F0 6,112.70 (Σ 20,000.00). The plan: sell 2
    # W1 (keep 5 = 4,231.85, 277.39 short), buy 1 W0 (993.76, 302.84 over) and 8 W2
    # (8,506.32, 180.82 short); the fractional F0 takes what is left: 20,000.00 −
    # 13,731.93 − 6,112.70 = 155.37 idle. 277.39 + 302.84 + 180.82 + 155.37 = 916.42.
    # Selling 1 W1 (the plan before, 6 left = 5,078.22: 568.98 over) scores 1,743.64.
    account = Account(
        whole=["W0", "W1", "W2"],
        prices={"W0": D("993.76"), "W1": D("846.37"), "W2": D("1063.29"), "F0": D("461.55")},
        held={"W0": D(0), "W1": D(7), "W2": D(0), "F0": D("2.025801")},
        weights={
            "W0": D("0.034546"),
            "W1": D("0.225462"),
            "W2": D("0.434357"),
            "F0": D("0.305635"),
        },
        cash=D("13140.40"),
    )
    plan = account.plan(SizingPolicy())
    assert plan.total_value == D("20000.00")
    assert {s: q for s, q in trades_of(plan).items() if s != "F0"} == {
        "W0": D(1),
        "W1": D(-2),
        "W2": D(8),
    }
    assert objective(account, plan, planned(account, plan)) == D("916.42")
    before = {"W0": D(1), "W1": D(6), "W2": D(8)}
    assert objective(account, plan, before) == D("1743.64")


def plan_for(
    weights: dict[str, str], snapshot: Snapshot, value: str | None = None, **policy: object
) -> RebalancePlan:
    allocation = Allocation(
        target_weights={s: D(w) for s, w in weights.items()},
        correlation_id="issue",
        portfolio_value=D(value) if value else None,
    )
    return plan_rebalance(allocation, snapshot, SizingPolicy(**policy)).unwrap()  # type: ignore[arg-type]


def test_a_cash_limited_buy_takes_the_lot_that_fits() -> None:
    # V = 100,000 (`portfolio_value`), weight 0.1542: target 15,420, 4.96 lots of 3,109.
    # Cash 6,000: one lot (12,311 short, 2,891 idle: 15,202) beats none (15,420 + 6,000).
    snapshot = Snapshot(cash=D(6000), prices={"X": D(3109)})
    plan = plan_for({"X": "0.1542"}, snapshot, "100000", fractional=False)
    (buy,) = plan.items
    assert (buy.action, buy.quantity, buy.trade_amount) == (Action.BUY, D(1), D("3109.00"))
    assert buy.reason is Reason.CASH_LIMITED  # truncation alone would buy 4
    assert plan.cash_after == D("2891.00")


def test_whole_lots_never_hold_more_than_the_portfolio_value() -> None:
    # V = 16,000 (`portfolio_value`) in an account of 100,000 cash, weight 1 on a lot of
    # 3,333: 5 lots (16,665) would be 1.04 × V, above max_gross_exposure 1; 4 (13,332).
    snapshot = Snapshot(cash=D(100_000), prices={"X": D(3333)})
    plan = plan_for({"X": "1"}, snapshot, "16000", fractional=False)
    (buy,) = plan.items
    assert (buy.action, buy.quantity, buy.trade_amount) == (Action.BUY, D(4), D("13332.00"))
    assert buy.trade_amount / plan.total_value <= 1


def test_two_expensive_whole_share_symbols_beside_a_fractional_one() -> None:
    # Cash 1,000,000: BRK.A 700,000 (target 500,000), NVR 7,000 (target 300,000), both
    # whole shares; VTI 300 fractional (target 200,000). No BRK.A: 500,000 short twice
    # over (the fractional symbols cannot take it) = 1,000,000 at best. One BRK.A
    # (200,000 over) and 42 NVR (294,000, 6,000 short): 994,000 spent, VTI gets the
    # 6,000 left, 194,000 short: 200,000 + 6,000 + 194,000 = 400,000. (15 NVR, VTI at
    # 195,000, scores the same 400,000; the tie goes to the whole shares nearer their
    # targets, 206,000 against 395,000.)
    snapshot = Snapshot(
        cash=D(1_000_000),
        prices={"BRK.A": D(700_000), "NVR": D(7000), "VTI": D(300)},
        assets=whole_share("BRK.A", "NVR"),
    )
    plan = plan_for({"BRK.A": "0.5", "NVR": "0.3", "VTI": "0.2"}, snapshot)
    assert trades_of(plan) == {"BRK.A": D(1), "NVR": D(42), "VTI": D(20)}
    assert plan.cash_after == D(0)


def bounded_optimum(account: Account, plan: RebalancePlan, policy: SizingPolicy) -> Decimal:
    """The least Σ gaps + idle cash over the counts a minimum trade and a reserve allow.

    Whole shares only. A symbol whose trade toward its target is below the minimum keeps
    what it holds; any other trade is none or at least the minimum. Buys are paid by the
    cash above the reserve and the sales; where the reserve is short already, a plan that
    buys must also raise what is missing (sales alone may raise part of it). The cash
    above the reserve left idle counts as error.
    """
    targets = {i.symbol: i.target_value for i in plan.items}
    free_cash = account.cash - policy.reserve(plan.total_value)
    minimum = policy.min_trade_amount
    # what every sale and the free cash could pay for (lots of one symbol may buy another)
    purse = max(free_cash, D(0)) + sum(
        (account.held[s] * account.prices[s] for s in account.whole), D(0)
    )
    choices = []
    for s in account.whole:
        price, held = account.prices[s], account.held[s]
        if abs(targets[s] - held * price) < minimum:
            choices.append([held])
            continue
        most = int(purse // price) + 1
        choices.append(
            [D(q) for q in range(most + 1) if q == held or abs(q - held) * price >= minimum]
        )
    best: Decimal | None = None
    for counts in product(*choices):
        final = dict(zip(account.whole, counts, strict=True))
        spent = sum(((q - account.held[s]) * account.prices[s] for s, q in final.items()), D(0))
        bought = sum(
            (
                (q - account.held[s]) * account.prices[s]
                for s, q in final.items()
                if q > account.held[s]
            ),
            D(0),
        )
        if spent > max(free_cash, D(0)) or (bought and spent > free_cash):
            continue  # buys never leave the reserve short (test_asset_facts' cash rule)
        gaps = sum((abs(targets[s] - q * account.prices[s]) for s, q in final.items()), D(0))
        value = gaps + abs(free_cash - spent)
        best = value if best is None or value < best else best
    assert best is not None
    return best


@settings(max_examples=max(EXAMPLES // 3, 20), deadline=None)
@given(
    accounts(),
    st.sampled_from([D(0), D(1), D(25), D(500), D(5000)]),
    st.sampled_from([D(0), D("0.05")]),
)
def test_with_a_minimum_trade_and_a_reserve_whole_shares_reach_the_optimum(
    account: Account, minimum: Decimal, reserve: Decimal
) -> None:
    """The same check with the minimum trade and the reserve as bounds (whole shares only)."""
    fractional = [s for s in account.prices if s not in account.whole]
    weights = {s: w for s, w in account.weights.items() if s in account.whole}
    weights[account.whole[0]] += 1 - sum(weights.values())
    account = attrs.evolve(
        account,
        prices={s: account.prices[s] for s in account.whole},
        held={s: account.held[s] for s in account.whole},
        weights=weights,
        cash=account.cash + sum((account.held[s] * account.prices[s] for s in fractional), D(0)),
    )
    policy = SizingPolicy(min_trade_amount=minimum, cash_reserve_pct=reserve)
    plan = account.plan(policy)
    final = planned(account, plan)
    targets = {i.symbol: i.target_value for i in plan.items}
    spent = sum(((final[s] - account.held[s]) * account.prices[s] for s in account.whole), D(0))
    free_cash = account.cash - policy.reserve(plan.total_value)
    gaps = sum((abs(targets[s] - q * account.prices[s]) for s, q in final.items()), D(0))
    mine = gaps + abs(free_cash - spent)
    best = bounded_optimum(account, plan, policy)
    assert mine <= best * D("1.001") + 2 * CENT, (mine, best)


def test_while_the_reserve_is_short_a_lot_too_small_to_sell_does_not_stop_an_exchange() -> None:
    # V = 4 × 333.33 = 1,333.32, reserve 5 % = 66.67 (cash 0: short by 66.67); targets
    # W0 0.9 × 1,266.65 = 1,139.99, W1 126.66. A trade is at least 500 (2 lots): W0's one
    # lot held is too small to sell. Holding everything: 806.66 + 873.33 + 66.67 =
    # 1,746.66. Selling 3 W1 (999.99) and buying 2 W0 (666.66) leaves 333.33 cash, the
    # reserve kept: W0 140.00 short, W1 126.66 short, 266.66 above the reserve: 533.32.
    # (Before, the search for such a plan started from selling W0's lot too, below the
    # minimum, and was skipped: the plan held everything, CASH_LIMITED.)
    account = Account(
        whole=["W0", "W1"],
        prices={"W0": D("333.33"), "W1": D("333.33")},
        held={"W0": D(1), "W1": D(3)},
        weights={"W0": D("0.9"), "W1": D("0.1")},
        cash=D(0),
    )
    plan = account.plan(SizingPolicy(min_trade_amount=D(500), cash_reserve_pct=D("0.05")))
    assert trades_of(plan) == {"W0": D(2), "W1": D(-3)}
    assert plan.cash_after == D("333.33")


def test_while_the_reserve_is_short_the_best_sales_alone_are_found() -> None:
    # V = 6 × 111.11 + 5 × 83.33 + 6 × 111.11 = 1,749.97; reserve 5 % = 87.50 (cash 0:
    # short by 87.50); investable 1,662.47: targets W0 686.49, W1 264.67, W2 711.31.
    # No buy can keep the reserve (a buy must raise the 87.50 too, and W1's sales bring
    # 79.16 at most beside one W0 or W2 lot). Selling 2 W1 (the exchange's sales): gaps
    # 19.83 + 14.68 + 44.65 and 79.16 above the reserve: 158.32. Selling 1 W1: 19.83 +
    # 68.65 + 44.65 and the reserve 4.17 short: 137.30, the least.
    weights = {"W0": D("0.412935"), "W1": D("0.159204"), "W2": D("0.427861")}
    account = Account(
        whole=["W0", "W1", "W2"],
        prices={"W0": D("111.11"), "W1": D("83.33"), "W2": D("111.11")},
        held={"W0": D(6), "W1": D(5), "W2": D(6)},
        weights=weights,
        cash=D(0),
    )
    plan = account.plan(SizingPolicy(min_trade_amount=D(0), cash_reserve_pct=D("0.05")))
    assert trades_of(plan) == {"W1": D(-1)}
    assert plan.cash_after == D("83.33")


# Fractional holdings fund whole lots (issue 19, item 1): sold beyond their targets.


def filled(account: Account, plan: RebalancePlan) -> Account:
    """The account after the plan filled at its prices."""
    moved = {i.symbol: i.quantity for i in plan.trades}
    held = {s: q + moved.get(s, D(0)) for s, q in account.held.items()}
    return attrs.evolve(account, held=held, cash=plan.cash_after)


def test_a_fractional_holding_sold_beyond_its_target_buys_the_third_lot() -> None:
    # V = 17,419.11 + 17.280682 × 12,649.32 (218,588.88) = 236,007.99; targets W0
    # 109,178.71 (2.98 lots of 36,578.34) and F0 126,829.28. Cash and F0's sale to its
    # target (91,759.60) pay 109,178.71 < 3 lots (109,735.02): 2 lots (73,156.68) score
    # 36,022.03 + |162,851.31 − 126,829.28| = 72,044.06. Selling 556.31 more F0 buys the
    # third: W0 556.31 over, and what is left (126,272.97) is 556.31 short of F0's
    # target: 1,112.62.
    account = Account(
        whole=["W0"],
        prices={"W0": D("36578.34"), "F0": D("12649.32")},
        held={"W0": D(0), "F0": D("17.280682")},
        weights={"W0": D("0.462606"), "F0": D("0.537394")},
        cash=D("17419.11"),
    )
    plan = account.plan()
    items = {i.symbol: i for i in plan.items}
    assert (items["W0"].action, items["W0"].quantity) == (Action.BUY, D(3))
    assert items["F0"].trade_amount == D("-92315.91")  # 91,759.60 + 556.31
    assert items["F0"].reason is Reason.REBALANCE
    assert plan.cash_after == D("0.00")
    assert objective(account, plan, planned(account, plan)) == D("1112.62")
    assert filled(account, plan).plan().trades == ()  # stable: nothing more to trade


def test_two_under_weight_fractional_holdings_fund_one_whole_share() -> None:
    # V = 6,019.36 + 13.475353 × 18.73 (252.39) + 12.762417 × 160.89 (2,053.34) =
    # 8,325.10 (8,325.0986 in cents); targets W0 3,150.93, F0 1,467.52, F1 3,706.65 (both
    # fractional symbols under weight: they would buy). No W0: 3,150.93 + |8,325.10 −
    # 5,174.17| = 6,301.86. One W0 (6,197.70) needs 178.34 more than the cash: 3,046.77
    # + |2,127.40 − 5,174.17| = 6,093.54. The holdings sell the same fraction each
    # (178.34 × 252.39 ÷ 2,305.73 = 19.52 and × 2,053.34 ÷ 2,305.73 = 158.82, each rounded
    # up to the cent: 178.35, a cent left), REBALANCE; their buys are not made.
    account = Account(
        whole=["W0"],
        prices={"W0": D("6197.70"), "F0": D("18.73"), "F1": D("160.89")},
        held={"W0": D(0), "F0": D("13.475353"), "F1": D("12.762417")},
        weights={"W0": D("0.378485"), "F0": D("0.176277"), "F1": D("0.445238")},
        cash=D("6019.36"),
    )
    plan = account.plan()
    amounts = {i.symbol: (i.action, i.trade_amount, i.reason) for i in plan.items}
    assert amounts == {
        "W0": (Action.BUY, D("6197.70"), Reason.REBALANCE),
        "F0": (Action.SELL, D("-19.53"), Reason.REBALANCE),
        "F1": (Action.SELL, D("-158.82"), Reason.REBALANCE),
    }
    assert plan.cash_after == D("0.01")
    assert objective(account, plan, planned(account, plan)) == D("6093.54")
    assert filled(account, plan).plan().trades == ()  # stable: nothing more to trade


def position(symbol: str, value: str, price: str, action: Action, amount: str) -> PlanItem:
    """A fractional candidate: `value` held at `price`, planned `action` of `amount`."""
    reason = Reason.AT_TARGET if action is Action.HOLD else Reason.REBALANCE
    return PlanItem(
        symbol=symbol,
        action=action,
        trade_amount=D(amount),
        quantity=D(amount) / D(price),
        price=D(price),
        current_value=D(value),
        target_value=D(value) + D(amount),
        current_weight=D(0),
        target_weight=D(0),
        reason=reason,
    )


def test_funding_sales_share_the_shortfall_by_what_each_holds() -> None:
    # 100 to raise from A (1,000 held, on target) and B (250 held, 40 of it to be sold):
    # 100 × 1,000 ÷ 1,210 = 82.645 and 100 × 210 ÷ 1,210 = 17.355, each rounded up to
    # the cent: 82.65 and 17.36 (100.01 raised).
    a = position("A", "1000", "10", Action.HOLD, "0")
    b = position("B", "250", "5", Action.SELL, "-40")
    held = {"A": D(100), "B": D(50)}
    more = funding_sales([a, b], D(100), held, {"A": D(1), "B": D(1)})
    assert more is not None
    assert [(i.action, i.trade_amount, i.quantity, i.reason) for i in more] == [
        (Action.SELL, D("-82.65"), D("-8.265"), Reason.REBALANCE),
        (Action.SELL, D("-57.36"), D("-11.472"), Reason.REBALANCE),
    ]


def test_a_funding_sale_below_the_minimum_is_left_out_and_one_leaving_dust_sells_all() -> None:
    # Minimum 5. B's share (100 × 4 ÷ 107 = 3.74) is below it: A alone sells 100, which
    # would leave 3 of its 103 (below 5): A sells all 103 (10.3 shares); B's buy stands.
    a = position("A", "103", "10", Action.HOLD, "0")
    b = position("B", "4", "2", Action.BUY, "12")
    held = {"A": D("10.3"), "B": D(2)}
    floors = {"A": D(5), "B": D(5)}
    more = funding_sales([a, b], D(100), held, floors)
    assert more is not None
    assert (more[0].action, more[0].trade_amount, more[0].quantity) == (
        Action.SELL,
        D("-103"),
        D("-10.3"),
    )
    assert more[1] == b
    # The candidates cannot raise more than they hold: no funding at all.
    assert funding_sales([b], D(100), held, floors) is None


@settings(max_examples=max(EXAMPLES // 3, 20), deadline=None)
@given(accounts(), st.integers(min_value=0, max_value=5_000))
def test_fractional_sales_stay_within_the_position_and_leave_no_dust(
    account: Account, minimum: int
) -> None:
    """With a minimum trade: the cash stays ≥ 0, no sale exceeds what is held, and a sale
    beyond the target sells at least the minimum and leaves none or at least the minimum."""
    policy = SizingPolicy(min_trade_amount=D(minimum))
    plan = account.plan(policy)
    assert plan.cash_after >= 0
    for each in plan.trades:
        if each.symbol in account.whole or each.action is not Action.SELL:
            continue
        assert -each.quantity <= account.held[each.symbol]
        beyond = -each.trade_amount - (each.current_value - each.target_value)
        if beyond > CENT:  # a funding sale
            assert -each.trade_amount >= minimum
            left = (account.held[each.symbol] + each.quantity) * each.price
            assert left == 0 or left >= minimum


def test_whole_lots_exchanged_while_the_reserve_is_short_raise_it_too() -> None:
    """Found by hypothesis: cash 0, a 2 % reserve of 0.12 (0.0024), lots of 0.03.

    Selling 3 AAPL (0.09) to buy 3 TLT (0.09) would keep the reserve short: a plan that
    buys must leave cash + sales − reserve ≥ its buys. Selling 3 AAPL and buying 2 TLT
    (0.06) leaves 0.03: AAPL 0.025 against its 0.0258, TLT 0.06 against its 0.0774.
    """
    snapshot = Snapshot(
        cash=D("0.00"),
        positions={"AAPL": D("3.833"), "QQQ": D("0.001")},
        prices={"AAPL": D("0.03"), "QQQ": D("0.01"), "TLT": D("0.03")},
    )
    weights = {"AAPL": D("0.2150"), "QQQ": D(0), "TLT": D("0.6450")}
    policy = SizingPolicy(min_trade_amount=D(0), cash_reserve_pct=D("0.02"), fractional=False)
    plan = plan_rebalance(Allocation(target_weights=weights, correlation_id="c"), snapshot, policy)
    result = plan.unwrap()
    reserve = policy.cash_reserve_pct * result.total_value
    assert result.total_buys <= snapshot.cash + result.total_sells - reserve
    quantities = {item.symbol: item.quantity for item in result.items}
    assert (quantities["AAPL"], quantities["TLT"]) == (D(-3), D(2))


def test_an_exchange_while_the_reserve_is_short_may_sell_more_than_it_buys() -> None:
    """Found by hypothesis: 2 W1 held at 1,000, no cash, a 5 % reserve (100), W0 not held.

    Targets on 1,900: W0 1,266.67, W1 633.33. Selling 1 W1 for 1 W0 would keep the
    reserve short; selling 2 and buying 1 raises 1,000: gaps 266.67 + 633.33 and 900 left
    above the reserve = 1,800, against 2,533.33 for selling 1 alone.
    """
    snapshot = Snapshot(cash=D(0), positions={"W1": D(2)}, prices={"W0": D(1000), "W1": D(1000)})
    weights = {"W0": D("0.666667"), "W1": D("0.333333")}
    policy = SizingPolicy(min_trade_amount=D(0), cash_reserve_pct=D("0.05"), fractional=False)
    plan = plan_rebalance(Allocation(target_weights=weights, correlation_id="c"), snapshot, policy)
    quantities = {item.symbol: item.quantity for item in plan.unwrap().items}
    assert (quantities["W0"], quantities["W1"]) == (D(1), D(-2))


@settings(max_examples=EXAMPLES, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.decimals("0", "30", places=4),  # held, fractions of a whole-share symbol too
            st.decimals("0.5", "500", places=2),  # price
            st.integers(0, 100),  # weight, before normalising
        ),
        min_size=1,
        max_size=4,
    ),
    st.decimals("1", "2000", places=2),  # some value, so the account can be planned
    st.sampled_from([D(0), D(1), D(25)]),
)
def test_whole_share_plans_never_leave_a_long_target_short(
    rows: list[tuple[Decimal, Decimal, int]], cash: Decimal, minimum: Decimal
) -> None:
    """A sale of whole lots stops at the whole lots held: with 2.8655 held, at most 2 go."""
    symbols = [f"W{i}" for i in range(len(rows))]
    total = sum(weight for _, _, weight in rows) or 1
    weights = {
        s: (D(weight) / total).quantize(D("0.0001"), rounding=ROUND_DOWN)  # sum ≤ 1
        for s, (_, _, weight) in zip(symbols, rows, strict=True)
    }
    snapshot = Snapshot(
        cash=cash,
        positions={s: held for s, (held, _, _) in zip(symbols, rows, strict=True)},
        prices={s: price for s, (_, price, _) in zip(symbols, rows, strict=True)},
    )
    policy = SizingPolicy(min_trade_amount=minimum, fractional=False)
    allocation = Allocation(target_weights=weights, correlation_id="c")
    plan = plan_rebalance(allocation, snapshot, policy).unwrap()
    for item in plan.items:
        if item.reason is not Reason.LIQUIDATE:
            assert snapshot.positions[item.symbol] + item.quantity >= 0, item


def test_a_fraction_held_of_a_whole_share_symbol_is_not_sold_past_zero() -> None:
    """2.8655 A at 100 and 1 B at 50, no cash; A's target 33.66 is 0.34 of a lot.

    Selling both whole lots leaves 0.8655 A (86.55: 52.89 over), the nearest A can come
    without going short; selling 3 would leave −0.1345 A.
    """
    snapshot = Snapshot(
        cash=D(0), positions={"A": D("2.8655"), "B": D(1)}, prices={"A": D(100), "B": D(50)}
    )
    weights = {"A": D("0.1"), "B": D("0.9")}
    policy = SizingPolicy(min_trade_amount=D(0), fractional=False)
    plan = plan_rebalance(Allocation(target_weights=weights, correlation_id="c"), snapshot, policy)
    quantities = {item.symbol: item.quantity for item in plan.unwrap().items}
    assert quantities["A"] == D(-2)


# What whole lots keep invested (docs/policy.md): never more than the weights allow or
# than the account held, from cash and from holdings alike.


def test_an_exchange_while_the_weights_cash_is_short_keeps_what_is_invested() -> None:
    """1 S0 at 999.99, no cash, weights 5.81 % and 84.19 %: they keep 10 % in cash.

    V = 999.99; the weights keep 99.999, 99.99 in cents: they allow 900.00 invested.
    Targets S0 58.10, S1 841.89. Holding: S0 941.89 over, S1 841.89 short (1,783.78).
    Selling S0 for one S1: S0 58.10 short, S1 158.10 over (216.20); 999.99 stays
    invested, above what the weights allow but no more than was held. The same 999.99
    in cash buys nothing: whole lots may spend 999.99 − 99.99 = 900.00, less than a share.
    """
    prices = {"S0": D("999.99"), "S1": D("999.99")}
    weights = {"S0": "0.0581", "S1": "0.8419"}
    held = plan_for(
        weights, Snapshot(cash=D(0), positions={"S0": D(1)}, prices=prices), fractional=False
    )
    assert trades_of(held) == {"S0": D(-1), "S1": D(1)}
    assert {i.symbol: i.target_value for i in held.items} == {
        "S0": D("58.10"),
        "S1": D("841.89"),
    }
    assert held.cash_after == D(0)
    in_cash = plan_for(weights, Snapshot(cash=D("999.99"), prices=prices), fractional=False)
    assert trades_of(in_cash) == {}
    assert in_cash.cash_after == D("999.99")


WHOLE_PRICES = [D("0.545"), D("0.03"), D("1"), D("7.005"), D("13.37"), D("333.33"), D("999.99")]


@st.composite
def whole_share_accounts(draw: st.DrawFn) -> tuple[Allocation, Snapshot, SizingPolicy]:
    """2–3 whole-share symbols, 0–3 shares each, cash up to a few shares' worth.

    Weights summing below 1, a reserve (a fraction, an amount), `portfolio_value` above
    or below what the account holds, a minimum trade, the three modes, a buy buffer.
    """
    n = draw(st.integers(min_value=2, max_value=3))
    symbols = [f"S{i}" for i in range(n)]
    prices = {s: draw(st.sampled_from(WHOLE_PRICES)) for s in symbols}
    held = {s: D(draw(st.integers(min_value=0, max_value=3))) for s in symbols}
    cash = D(draw(st.integers(min_value=0, max_value=300_000))) / 100
    raw = [draw(st.integers(min_value=0, max_value=100)) for _ in symbols]
    share = D(draw(st.sampled_from(["0.5", "0.8", "0.9", "0.99", "0.999", "1"])))
    weights = {
        s: (D(r) / (sum(raw) or 1) * share).quantize(D("0.0001"), rounding=ROUND_DOWN)
        for s, r in zip(symbols, raw, strict=True)
    }
    worth = cash + sum((held[s] * prices[s] for s in symbols), D(0))
    scale = draw(st.sampled_from([None, None, None, "0.5", "0.95", "1.3"]))
    value = None if scale is None else (worth * D(scale)).quantize(CENT)
    policy = SizingPolicy(
        fractional=False,
        cash_reserve_pct=draw(st.sampled_from([D(0), D(0), D("0.05"), D("0.1")])),
        cash_reserve_amount=draw(st.sampled_from([D(0), D(0), D(10), D(100)])),
        min_trade_amount=draw(st.sampled_from([D(0), D(1), D(25)])),
        mode=draw(st.sampled_from(["rebalance", "rebalance", "buy_only", "sell_only"])),
        buy_price_buffer=draw(st.sampled_from([D(0), D(0), D("0.01")])),
    )
    snapshot = Snapshot(cash=cash, positions={s: q for s, q in held.items() if q}, prices=prices)
    allocation = Allocation(target_weights=weights, correlation_id="kept", portfolio_value=value)
    return allocation, snapshot, policy


@settings(max_examples=max(EXAMPLES * 3, 300), deadline=None)
@given(whole_share_accounts())
def test_whole_lots_never_hold_more_than_the_weights_allow_or_than_was_held(
    account: tuple[Allocation, Snapshot, SizingPolicy],
) -> None:
    """Invested after ≤ max(invested before, worth − the weights' cash − the reserve).

    The weights' cash: (1 − Σ weights) of the investable value in cents, rounded down, and
    what the account holds beyond an allocation's `portfolio_value`. From cash, whole lots
    spend only what is beyond it and the reserve; where the cash is below it already, lots
    may be exchanged, sales paying buys, so the cash never falls. A plan that buys leaves
    the reserve whole. Each amount is as the fill pays it: shares × price.
    """
    allocation, snapshot, policy = account
    plan = plan_rebalance(allocation, snapshot, policy).unwrap()
    prices, positions = snapshot.prices, snapshot.positions
    moved = {i.symbol: i.quantity for i in plan.items if i.action is not Action.HOLD}
    before = sum((positions.get(s, D(0)) * p for s, p in prices.items()), D(0))
    after = sum(
        ((positions.get(s, D(0)) + moved.get(s, D(0))) * p for s, p in prices.items()), D(0)
    )
    worth = snapshot.cash + before
    value = plan.total_value
    reserve = policy.reserve(value)
    unweighted = 1 - sum(allocation.target_weights.values(), D(0))
    kept = (max(value - reserve, D(0)) * unweighted).quantize(CENT, rounding=ROUND_DOWN)
    beyond = worth - value if abs(worth - value) > CENT / 2 else D(0)  # V is in cents
    weights_cash = max(kept + beyond, D(0))
    assert after <= max(before, worth - weights_cash - reserve)
    if plan.total_buys:
        assert worth - after >= reserve


# Beside fractional symbols (two findings of a brute-force run, each the optimum of the
# documented objective; docs/policy.md, *Whole shares, crypto and broker minimums*).


def test_the_cash_a_whole_lot_leaves_short_stays_in_cash_beside_a_fractional_buy() -> None:
    """2 W at 100 (whole shares), 10 F at 10, no cash: V = 300, targets W 120, F 180.

    Holding: W 80 over, F 80 short (the fractional term), 160. Selling one W: W 20 short,
    F bought to its target, 20 in cash: 20 + 20 = 40. Selling both: 120 + 120 = 240. The
    20 stays in cash: F bought 20 beyond its target would score the same 40 (what is left
    is 20 above F's target either way), and a fractional buy stops at its target.
    """
    account = Account(
        whole=["W"],
        prices={"W": D(100), "F": D(10)},
        held={"W": D(2), "F": D(10)},
        weights={"W": D("0.4"), "F": D("0.6")},
        cash=D(0),
    )
    plan = account.plan()
    assert trades_of(plan) == {"W": D(-1), "F": D(8)}
    assert {i.symbol: i.reason for i in plan.items} == {
        "W": Reason.REBALANCE,
        "F": Reason.REBALANCE,
    }
    assert plan.cash_after == D("20.00")
    assert objective(account, plan, planned(account, plan)) == D(40)
    assert objective(account, plan, {"W": D(2)}) == D(160)
    assert objective(account, plan, {"W": D(0)}) == D(240)


def test_a_whole_lot_below_its_target_is_sold_to_buy_a_lot_further_below_its_own() -> None:
    """Cash 60; 2 A at 50 and 0 B at 100 (whole shares); 84 X at 10, not tradable: V = 1,000.

    Targets A 120 (20 short), B 300 (300 short), X 580 (260 over, fixed). No fractional
    symbol buys, so the cash left idle is error: holding, 20 + 300 + 60 = 380; one more A
    (the cash's only lot), 30 + 300 + 10 = 340; one A sold for one B, 70 + 200 + 10 = 280;
    two A sold for one B, 120 + 200 + 60 = 380. A ends further below its target, B nearer
    by twice as much, and the cash is spent: the final holdings a plan from cash buys.
    """
    snapshot = Snapshot(
        cash=D(60),
        positions={"A": D(2), "X": D(84)},
        prices={"A": D(50), "B": D(100), "X": D(10)},
        assets={**whole_share("A", "B"), "X": Asset(symbol="X", tradable=False)},
    )
    plan = plan_for({"A": "0.12", "B": "0.3", "X": "0.58"}, snapshot)
    assert trades_of(plan) == {"A": D(-1), "B": D(1)}
    assert {i.symbol: i.target_value for i in plan.items} == {
        "A": D("120.00"),
        "B": D("300.00"),
        "X": D("580.00"),
    }
    assert plan.cash_after == D("10.00")
    in_cash = Snapshot(
        cash=D(160),
        positions={"X": D(84)},
        prices=snapshot.prices,
        assets=snapshot.assets,
    )
    from_cash = plan_for({"A": "0.12", "B": "0.3", "X": "0.58"}, in_cash)
    assert trades_of(from_cash) == {"A": D(1), "B": D(1)}


def test_while_the_reserve_is_short_a_fractional_holding_funds_the_lots_that_buy() -> None:
    """No cash, a reserve of 200: 6 A at 50 and 2 B at 120 (whole shares), 2 F at 150.

    V = 840, investable 640: targets A 140, B 360, F 140. F sells 160 to its target; the
    reserve still lacks 40. One B (on target) paid by 3 A (10 over) raises 30: F sells
    10 more (10 short), the reserve is whole: 10 + 10 = 20. Selling a fourth A instead
    (40 short) leaves 40 idle above the reserve: 40 + 40 = 80. Buys 120 ≤ 0 + 150 + 170
    − 200: the cash rule holds (docs/policy.md: the funding sales raise what the lots
    take beyond the cash above the reserve).
    """
    snapshot = Snapshot(
        cash=D(0),
        positions={"A": D(6), "B": D(2), "F": D(2)},
        prices={"A": D(50), "B": D(120), "F": D(150)},
        assets=whole_share("A", "B"),
    )
    weights = {"A": "0.21875", "B": "0.5625", "F": "0.21875"}
    plan = plan_for(weights, snapshot, cash_reserve_amount=D(200))
    assert {s: q for s, q in trades_of(plan).items() if s != "F"} == {"A": D(-3), "B": D(1)}
    (sale,) = [i for i in plan.items if i.symbol == "F"]
    assert sale.trade_amount == D("-170.00")
    assert plan.cash_after == D("200.00")
