"""Hypothesis strategies for accounts, weights and policies, shared by the core's property tests."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import strategies as st

from portfolio import Allocation, Asset, SizingPolicy, Snapshot

SYMBOLS = ("AAPL", "BRK.B", "BTCUSD", "MSFT", "QQQ", "SPY", "TLT", "VTI")

prices = st.decimals(min_value="0.01", max_value="5000", places=2)
quantities = st.decimals(min_value="0", max_value="500", places=3)
cash_amounts = st.decimals(min_value="0", max_value="1000000", places=2)


@st.composite
def weights(draw: st.DrawFn, symbols: tuple[str, ...] = SYMBOLS) -> dict[str, Decimal]:
    """Non-negative weights with four decimals, summing to at most 1."""
    chosen = draw(st.lists(st.sampled_from(symbols), unique=True, max_size=len(symbols)))
    raw = [draw(st.integers(min_value=0, max_value=100)) for _ in chosen]
    total = Decimal(max(sum(raw), 1))
    scale = draw(st.decimals(min_value="0", max_value="1", places=2))
    return {
        s: (Decimal(r) / total * scale).quantize(Decimal("0.0001"), rounding="ROUND_DOWN")
        for s, r in zip(chosen, raw, strict=True)
    }


@st.composite
def accounts(draw: st.DrawFn) -> tuple[Allocation, Snapshot]:
    """An allocation and a long-only snapshot that prices every targeted or held symbol."""
    target = draw(weights())
    held_symbols = draw(st.lists(st.sampled_from(SYMBOLS), unique=True))
    positions = {s: draw(quantities) for s in held_symbols}
    priced = set(target) | set(held_symbols)
    snapshot = Snapshot(
        cash=draw(cash_amounts),
        positions=positions,
        prices={s: draw(prices) for s in sorted(priced)},
        assets={
            s: Asset(symbol=s, fractionable=draw(st.booleans()))
            for s in sorted(priced)
            if draw(st.booleans())
        },
    )
    return Allocation(target_weights=target, correlation_id="prop"), snapshot


policies = st.builds(
    SizingPolicy,
    min_trade_amount=st.decimals(min_value="0", max_value="50", places=2),
    min_trade_pct=st.sampled_from([Decimal(0), Decimal("0.001")]),
    cash_reserve_pct=st.sampled_from([Decimal(0), Decimal("0.02")]),
    band=st.sampled_from([Decimal(0), Decimal("0.01")]),
    relative_band=st.sampled_from([Decimal(0), Decimal("0.1")]),
    fractional=st.booleans(),
)


def apply_plan_quantities(
    snapshot: Snapshot, items: tuple[tuple[str, Decimal, Decimal], ...]
) -> Snapshot:
    """Reference fill for the properties: positions += quantity, cash −= trade amount."""
    positions = dict(snapshot.positions)
    cash = snapshot.cash
    for symbol, quantity, amount in items:
        positions[symbol] = positions.get(symbol, Decimal(0)) + quantity
        cash -= amount
    return Snapshot(
        cash=cash,
        positions=positions,
        prices=snapshot.prices,
        assets=snapshot.assets,
        as_of=snapshot.as_of,
    )
