"""Whole-share plans against the optimum found by enumerating every whole-share count.

The documented objective (docs/policy.md): Σ |target − quantity × price| over the
whole-share symbols plus the distance between what is left of the value and the
fractional symbols' targets. On small accounts (1–4 whole-share symbols, 0–2
fractional, random holdings, weights summing to 1, no minimum trade, no bands) every
count each whole-share symbol could end with is tried, within what the account can pay
(its cash plus every sale); the plan must come within 0.1 % (plus 2 cents of rounding)
of the best. `WHOLE_SHARE_EXAMPLES` raises the number of accounts for a long run.
"""

from __future__ import annotations

import os
from decimal import Decimal
from itertools import product

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio import Action, Allocation, Asset, SizingPolicy, Snapshot, plan_rebalance
from portfolio.plan import RebalancePlan

D = Decimal
CENT = D("0.01")
EXAMPLES = int(os.environ.get("WHOLE_SHARE_EXAMPLES", "150"))


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
    """1–4 whole-share symbols (each at most ~12 shares of the account), 0–2 fractional."""
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
        held[s] = D(draw(st.integers(min_value=0, max_value=2 * scale))) / 100 / prices[s]
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

    Buys are paid by the cash and every sale (the whole shares' and the fractional
    symbols' sales to their targets).
    """
    targets = {i.symbol: i.target_value for i in plan.items}
    fractional_sales = sum(
        (
            max(account.held[s] * account.prices[s] - targets[s], D(0))
            for s in targets
            if s not in account.whole
        ),
        D(0),
    )
    whole = account.whole
    held_value = sum((account.held[s] * account.prices[s] for s in whole), D(0))
    purse = account.cash + fractional_sales + held_value  # the most whole shares can be worth
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
