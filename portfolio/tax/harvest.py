"""Tax-loss harvesting (docs/tax.md, harvesting rule 1) and held buys moved to substitutes (rule 2).

Before the plan is made, `harvested` looks at the snapshot once:

- **Harvests.** With `TaxPolicy.harvest_threshold` set, a targeted symbol's lots whose
  unrealized loss is at least threshold × the lot's cost and at least
  `harvest_min_loss` are sold (`Reason.HARVEST`), together with the symbol's lots
  bought within the wash-sale window at a loss (so that the sale is no wash sale); when
  a recent lot of the group would stay held, or no substitute can be bought, nothing
  is harvested. The proceeds' worth of the symbol's target weight moves to the first
  substitute that can be bought (a price, tradable, not a wash sale, one whole lot
  affordable with the weight moved, not shorted by the weights), whose buy is marked
  `HARVEST`.
- **Held buys.** A targeted symbol whose buys the wash-sale rule holds (its group sold
  at a loss within the window, or harvested now) has the gap to its target moved to
  its first allowed substitute.

The plan is then made as the tax rules make any plan, on the account after the
harvesting sales (their proceeds in cash, their lots gone, the sales among the recent
trades, so the wash-sale rule holds every buy of their groups), with the moved
weights. A symbol whose whole weight moved targets 0 there, yet it is no liquidation
(the user's weights target it): what is left of it is a rebalancing sale, which the
gain budget and the deferral of short-term gains may cut (`TaxInputs.kept`). A
substitute takes the weight when that plan buys it or holds it already; when not (a
share dearer than its order, a minimum, a cash cut), the plan is made again with that
(symbol, substitute) refused, so the next substitute takes it or the symbol is not
harvested. The harvesting sales are merged back into the plan's items
and its `TaxReport`, which names only what the items make. With no threshold and no
substitutes, the plan is exactly the plan of the tax rules (docs/tax.md). Harvests
are made in the `rebalance` mode only (a deposit sells nothing, a withdrawal buys
nothing); held buys move in any mode that buys.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import NamedTuple

import attrs
from returns.result import Result, Success

from portfolio.records.asset_facts import (
    Asset,
    broker_minimum,
    quantity_step,
    under_broker_minimum,
)
from portfolio.records.errors import PortfolioError
from portfolio.records.held import Held
from portfolio.records.money import CENT, SHARE_QUANTUM, ZERO, is_bounded
from portfolio.records.plan import RebalancePlan
from portfolio.records.plan_item import Action, PlanItem, Reason
from portfolio.records.policy import Mode
from portfolio.records.snapshot import Snapshot
from portfolio.records.symbol_keys import upper_keys
from portfolio.steps.actions import WEIGHT_QUANTUM
from portfolio.steps.checked import Columns
from portfolio.steps.prepare import Prepared
from portfolio.steps.rules import Thresholds, too_small
from portfolio.steps.targets import investable_value
from portfolio.steps.validate import columns
from portfolio.tax.budget import down_to_step
from portfolio.tax.choice import SaleTerms, recent_lots, wash_sale
from portfolio.tax.groups import group_of, group_recent, substitutes_of
from portfolio.tax.policy import TaxPolicy
from portfolio.tax.records import PastTrade, TaxLot
from portfolio.tax.relief import (
    Piece,
    estimated_tax,
    lot_sales,
    names,
    priced,
    realized,
    relieve,
    remaining,
)
from portfolio.tax.report import LotSale, TaxReport
from portfolio.tax.step import TaxInputs, tax_inputs

__all__ = ["Harvest", "harvest_lots", "harvested", "harvested_from", "moves_holdings"]

#: Makes a plan under the tax rules from a prepared allocation and a snapshot.
PlanTaxed = Callable[[Prepared, Snapshot], Result[RebalancePlan, PortfolioError]]
#: The same from the snapshot's columns and tax inputs, checked already.
PlanChecked = Callable[[Columns, TaxInputs], Result[RebalancePlan, PortfolioError]]
_ORDER = {Action.SELL: 0, Action.BUY: 1, Action.HOLD: 2}


class Harvest(NamedTuple):
    """One harvesting sale: `shares` of `symbol` (the `pieces` of its lots) at `price`.

    `proceeds` in cents; `gain` what it realizes (< 0); `substitute` the symbol bought
    instead; `weight` the target weight moved to it.
    """

    symbol: str
    substitute: str
    pieces: list[Piece]
    shares: Decimal
    price: Decimal
    proceeds: Decimal
    gain: Decimal
    weight: Decimal


class _Account(NamedTuple):
    """What the choices read, once per plan: the checked columns and the snapshot's extras."""

    checked: Columns
    inputs: TaxInputs
    prices: Mapping[str, Decimal]
    assets: Mapping[str, Asset]
    investable: Decimal
    limits: Thresholds


class _Moves(NamedTuple):
    harvests: list[Harvest]
    #: (symbol, substitute) for each held buy moved (rule 2).
    moved: list[tuple[str, str]]
    weights: dict[str, Decimal]


def harvest_lots(lots: tuple[TaxLot, ...], price: Decimal, tax: TaxPolicy) -> list[TaxLot]:
    """The lots over the harvest threshold at `price`, in their given order.

    A lot's loss (cost − proceeds, each in cents) must be > 0, at least
    `harvest_threshold` × its cost and at least `harvest_min_loss`.

    >>> from datetime import date
    >>> lot = TaxLot(quantity=Decimal(10), cost=Decimal(100), acquired=date(2024, 1, 2))
    >>> policy = TaxPolicy(harvest_threshold=Decimal("0.05"), harvest_min_loss=Decimal(50))
    >>> [len(harvest_lots((lot,), Decimal(p), policy)) for p in ("95.01", "95", "94")]
    [0, 1, 1]
    """
    threshold = tax.harvest_threshold
    if threshold is None:
        return []
    found = []
    for lot in lots:
        if lot.cost <= price:
            continue
        cost = (lot.quantity * lot.cost).quantize(CENT)
        loss = cost - (lot.quantity * price).quantize(CENT)
        if loss > 0 and loss >= threshold * cost and loss >= tax.harvest_min_loss:
            found.append(lot)
    return found


def moves_holdings(tax: TaxPolicy) -> bool:
    """Whether the policy may move what a plan holds: a harvest threshold, or substitutes.

    Without either, a plan is the tax rules' plan exactly (`harvested` does nothing).
    """
    return tax.harvest_threshold is not None or bool(tax.substitutes)


def harvested(
    prepared: Prepared,
    snapshot: Snapshot,
    tax: TaxPolicy,
    plan: PlanTaxed,
    checked_plan: PlanChecked,
) -> Result[RebalancePlan, PortfolioError]:
    """The plan with its harvests and its held buys moved to substitutes (see the module).

    `plan` makes a plan under the tax rules (here: the Failure of a snapshot its checks
    refuse). `checked_plan` makes it from columns and tax inputs checked already: those
    checked here when nothing moves, else those of the account after the harvests.
    """
    if not moves_holdings(tax):
        return plan(prepared, snapshot)
    checked = columns(prepared, snapshot)
    inputs = tax_inputs(snapshot, tax)
    if not isinstance(checked, Success) or not isinstance(inputs, Success):
        return plan(prepared, snapshot)  # the same Failure, from the plan's own checks
    return harvested_from(prepared, snapshot, (checked.unwrap(), inputs.unwrap()), checked_plan)


def harvested_from(
    prepared: Prepared,
    snapshot: Snapshot,
    checked: tuple[Columns, TaxInputs],
    checked_plan: PlanChecked,
) -> Result[RebalancePlan, PortfolioError]:
    """`harvested` with the snapshot's columns and tax inputs checked already.

    A backtest passes its own (valid by construction); `snapshot` must hold the same
    account, lots and recent trades.
    """
    tax = checked[1].terms.policy
    account = _account(*checked, snapshot)
    refused: frozenset[tuple[str, str]] = frozenset()
    pinned: frozenset[str] = frozenset()
    while True:  # each round refuses a pair or pins a symbol more: a few rounds at most
        moves = _moves(account, tax, refused)
        if not moves.harvests and not moves.moved:
            return checked_plan(account.checked, account.inputs)
        after = _pinned(_after(snapshot, moves.harvests, account), pinned)
        weights = moves.weights
        targeted = tuple(sorted(weights))
        moved = attrs.evolve(
            prepared,
            weights=weights,
            targeted=targeted,
            weight_column=tuple(map(weights.__getitem__, targeted)),
        )
        made = _planned(moved, after, tax, _kept(account.checked, weights), checked_plan)
        if not isinstance(made, Success):
            return made
        missed = _not_taken(made.unwrap(), moves)
        sold_back = _sold_back(made.unwrap(), moves) - pinned
        if not missed and not sold_back:
            return Success(_merged(made.unwrap(), moves, account))
        refused |= missed
        pinned |= sold_back


def _sold_back(made: RebalancePlan, moves: _Moves) -> frozenset[str]:
    """The symbols whose held buy moved to a substitute and which `made` sells anyway.

    Their gap moved, their target is what they hold: only an exchange of whole lots sells
    one (its proceeds buy a lot of another symbol a little closer to its target), which
    would realize a gain or loss for a rounding and leave the substitute in its place.
    The plan is made again with them held as they are (`_pinned`).
    """
    held_back = {symbol for symbol, _ in moves.moved}
    return frozenset(
        item.symbol
        for item in made.items
        if item.symbol in held_back and item.action is Action.SELL
    )


def _pinned(snapshot: Snapshot, symbols: frozenset[str]) -> Snapshot:
    """The account with `symbols` not traded by this plan (as a symbol not tradable is).

    Their items are `HOLD`s, which `_merged` marks `WASH_SALE`: their buys are held.
    """
    if not symbols:
        return snapshot
    assets: dict[str, Asset] = dict(upper_keys(snapshot.assets))  # type: ignore[arg-type]
    for symbol in symbols:
        known = assets.get(symbol)
        assets[symbol] = (
            Asset(symbol=symbol, tradable=False)
            if known is None
            else attrs.evolve(known, tradable=False)
        )
    return attrs.evolve(snapshot, assets=assets)


def _planned(
    prepared: Prepared,
    after: Snapshot,
    tax: TaxPolicy,
    kept: frozenset[str],
    checked_plan: PlanChecked,
) -> Result[RebalancePlan, PortfolioError]:
    """The plan of the account after the harvests, checked as any snapshot is.

    `kept`: the symbols whose zero target is the harvest's, not the user's (`_kept`).
    """
    return columns(prepared, after).bind(
        lambda checked: tax_inputs(after, tax).bind(
            lambda inputs: checked_plan(checked, inputs._replace(kept=kept))
        )
    )


def _kept(checked: Columns, weights: Mapping[str, Decimal]) -> frozenset[str]:
    """The symbols the user's weights target (≠ 0) that the moved `weights` target at 0.

    What is left of them after a harvest that moved their whole weight is sold, if at
    all, as a rebalancing sale under the tax rules, never as the user's liquidation.
    """
    return frozenset(
        symbol
        for symbol, weight in zip(checked.symbols, checked.weights, strict=True)
        if weight and not weights.get(symbol, ZERO)
    )


def _not_taken(made: RebalancePlan, moves: _Moves) -> frozenset[tuple[str, str]]:
    """The (symbol, substitute) pairs of `moves` whose substitute `made` does not take.

    A substitute takes the weight moved to it when the plan buys it, or holds it after
    the plan (held already: the plan sells less of it, or keeps it within its band, its
    minimum trade, its shares). One the plan neither buys nor holds after it (held at 0:
    a share dearer than its order, a minimum, a cash cut; or sold in full) takes
    nothing, and the report must not name it; nor does one held already whose buy a
    rule refuses (`_refused`): the weight moved to it would sit in cash.
    """
    items = {item.symbol: item for item in made.items}
    harvested = {(h.symbol, h.substitute) for h in moves.harvests}
    return frozenset(
        pair
        for pair in {*harvested, *moves.moved}
        if not _takes(items[pair[1]], harvest=pair in harvested)
    )


def _takes(item: PlanItem, *, harvest: bool) -> bool:
    """Whether a substitute's item takes the weight moved to it (see `_not_taken`).

    `harvest`: the weight is a harvest's (else a held buy's gap). A harvest's substitute
    held already, below its new target, must not be sold: the plan would fund other
    buys with it (whole lots sized together) while the harvest's exposure is gone.
    """
    if item.action is Action.BUY:
        return True
    if item.current_value + item.trade_amount <= 0 or _refused(item, harvest=harvest):
        return False
    return not (harvest and item.action is Action.SELL and _below_target(item))


def _refused(item: PlanItem, *, harvest: bool) -> bool:
    """A buy the plan wants and a rule refuses outright: a wash sale, or not tradable.

    For a harvest's substitute, a buy the cash rule cuts to nothing too: the harvest's
    proceeds would pay for other buys, and the symbol's exposure would be gone. (Its
    band, its minimum trade or its shares keep a held substitute where it is, near
    enough its target, and it keeps the weight. A held buy's gap keeps its substitute
    through a cash cut: refused, the gap would go back to a symbol whose buys are held.)
    """
    return (
        item.action is Action.HOLD
        and item.reason in (_REFUSING_HARVEST if harvest else _REFUSING)
        and _below_target(item)
    )


def _below_target(item: PlanItem) -> bool:
    return item.target_value > item.current_value


_REFUSING = frozenset({Reason.WASH_SALE, Reason.NOT_TRADABLE})
_REFUSING_HARVEST = _REFUSING | {Reason.CASH_LIMITED}


def _account(checked: Columns, inputs: TaxInputs, snapshot: Snapshot) -> _Account:
    prices: dict[str, Decimal] = dict(upper_keys(snapshot.prices))  # type: ignore[arg-type]
    prices.update(zip(checked.symbols, checked.prices, strict=True))
    assets: Mapping[str, Asset] = upper_keys(snapshot.assets)  # type: ignore[assignment]
    policy = checked.policy
    investable = investable_value(checked.total_value, policy)
    return _Account(
        checked, inputs, prices, assets, investable, Thresholds.of(policy, checked.total_value)
    )


def _moves(
    account: _Account, tax: TaxPolicy, refused: frozenset[tuple[str, str]] = frozenset()
) -> _Moves:
    """The harvests (rule 1), then the held buys moved to substitutes (rule 2).

    No (symbol, substitute) pair in `refused` is made (its substitute took nothing).
    """
    checked, inputs = account.checked, account.inputs
    weights = dict(zip(checked.symbols, checked.weights, strict=True))
    current = {
        symbol: quantity * price
        for symbol, quantity, price in zip(
            checked.symbols, checked.quantities, checked.prices, strict=True
        )
    }
    blocked = set(inputs.loss_sold)  # the symbols whose buys the wash-sale rule holds
    bought: set[str] = set()  # the groups of the substitutes bought
    harvests: list[Harvest] = []
    mode = checked.policy.mode
    if tax.harvest_threshold is not None and account.investable > 0 and mode == Mode.REBALANCE:
        for symbol in sorted(inputs.lots):
            found = _harvest(symbol, weights, account, (blocked, bought, refused))
            if found is None:
                continue
            harvests.append(found)
            blocked |= group_of(symbol, tax)
            bought |= group_of(found.substitute, tax)
            weights[symbol] -= found.weight
            weights[found.substitute] = weights.get(found.substitute, ZERO) + found.weight
            current[symbol] -= found.shares * found.price  # exact, as `current` is
    moved: list[tuple[str, str]] = []
    if tax.substitutes and account.investable > 0 and mode != Mode.SELL_ONLY:
        for symbol in sorted(blocked & set(weights)):
            gap = weights[symbol] * account.investable - current.get(symbol, ZERO)
            if weights[symbol] <= 0 or gap <= 0 or too_small(gap, account.limits):
                continue
            substitute = _substitute(symbol, gap, account, (blocked, refused, weights))
            if substitute is None:
                continue
            shift = gap / account.investable
            weights[symbol] -= shift
            weights[substitute] = weights.get(substitute, ZERO) + shift
            moved.append((symbol, substitute))
    return _Moves(harvests, moved, weights)


def _harvest(
    symbol: str,
    weights: Mapping[str, Decimal],
    account: _Account,
    sets: tuple[set[str], set[str], frozenset[tuple[str, str]]],
) -> Harvest | None:
    """The harvest of `symbol`, or None when it has none or it cannot be made.

    `sets`: the groups whose buys are held, the groups of the substitutes bought, and
    the (symbol, substitute) pairs refused.
    """
    blocked, bought, refused = sets
    weight = weights.get(symbol, ZERO)
    inputs = account.inputs
    terms = inputs.terms
    tax = terms.policy
    price = account.prices.get(symbol)
    asset = account.assets.get(symbol)
    if (
        weight <= 0
        or price is None
        or (asset is not None and not asset.tradable)
        or not substitutes_of(symbol, tax)
        or group_of(symbol, tax) & bought  # an identical security is bought in this plan
    ):
        return None
    lots = inputs.lots[symbol]
    over = harvest_lots(lots, price, tax)
    if not over:
        return None
    step = _step(asset, account)
    pieces = _pieces(lots, over, price, terms, step)
    recent = recent_lots(lots, terms) + group_recent(symbol, inputs.lots, terms)
    if not pieces or wash_sale(recent, pieces, price):
        return None
    shares = down_to_step(sum((shares for _, shares in pieces), ZERO), step)
    proceeds = (shares * price).quantize(CENT)
    if too_small(-proceeds, account.limits) or under_broker_minimum(
        proceeds, broker_minimum(asset)
    ):
        return None
    moved = min(weight, proceeds / account.investable)
    order = moved * account.investable  # what the substitute is bought for: its weight's worth
    held = blocked | group_of(symbol, tax)
    substitute = _substitute(symbol, order, account, (held, refused, weights))
    if substitute is None:
        return None
    gain = realized(pieces, price)
    return Harvest(symbol, substitute, pieces, shares, price, proceeds, gain, moved)


def _pieces(
    lots: tuple[TaxLot, ...],
    over: list[TaxLot],
    price: Decimal,
    terms: SaleTerms,
    step: Decimal,
) -> list[Piece]:
    """The pieces a harvest sells: its lots over the threshold and its recent lots at a loss.

    The recent lots first (a wash sale otherwise), then the largest loss per share; a
    whole-lot symbol sells whole lots of its step (the last lot split).
    """
    chosen = {id(lot) for lot in over}
    recent = [lot for lot in recent_lots(lots, terms) if lot.cost > price]
    chosen |= {id(lot) for lot in recent}
    order = sorted(
        (lot for lot in lots if id(lot) in chosen),
        key=lambda lot: (lot.acquired < terms.window_start, price - lot.cost),
    )
    total = sum((lot.quantity for lot in order), ZERO)
    shares = down_to_step(total, step)  # written with the step's digits, as the planner does
    if shares <= 0:
        return []
    return relieve(order, shares)


def _step(asset: Asset | None, account: _Account) -> Decimal:
    return quantity_step(asset, fractional=account.checked.policy.fractional) or SHARE_QUANTUM


def _substitute(
    symbol: str,
    order: Decimal,
    account: _Account,
    sets: tuple[set[str], frozenset[tuple[str, str]], Mapping[str, Decimal]],
) -> str | None:
    """The first substitute of `symbol` that can take `order` without a wash sale, or None.

    `order` is what it is bought for: the weight moved to it × the investable value.
    It needs a price, must be tradable, outside the groups whose buys are held (`sets`:
    those groups, the pairs refused, the target weights); the weights must not short
    it (a harvest never closes a short); when it trades in whole lots, `order` must buy
    one of them; and `order` must not be below its broker's minimum order (a buy the
    broker refuses is no substitute).
    """
    blocked, refused, weights = sets
    for substitute in substitutes_of(symbol, account.inputs.terms.policy):
        price = account.prices.get(substitute)
        asset = account.assets.get(substitute)
        if (
            substitute in blocked
            or (symbol, substitute) in refused
            or weights.get(substitute, ZERO) < 0
            or not (is_bounded(price) and price > 0)
            or (asset is not None and not asset.tradable)
            or price * _step(asset, account) > order
            or under_broker_minimum(order, broker_minimum(asset))
        ):
            continue
        return substitute
    return None


def _after(snapshot: Snapshot, harvests: list[Harvest], account: _Account) -> Snapshot:
    """The account after the harvesting sales: cash, positions, lots and recent trades."""
    if not harvests:
        return snapshot
    sold = {h.symbol: h for h in harvests}
    positions = {
        key: (quantity - sold[key.upper()].shares if key.upper() in sold else quantity)
        for key, quantity in snapshot.positions.items()
    }
    lots = dict(account.inputs.lots)
    for h in harvests:
        left = remaining(lots[h.symbol], h.pieces)
        if left:
            lots[h.symbol] = tuple(left)
        else:
            del lots[h.symbol]
    on = account.inputs.terms.on
    trades = tuple(
        PastTrade(
            symbol=h.symbol,
            action=Action.SELL,
            quantity=h.shares,
            price=h.price,
            on=on,
            realized_gain=h.gain,
        )
        for h in harvests
    )
    return attrs.evolve(
        snapshot,
        cash=snapshot.cash + sum((h.proceeds for h in harvests), ZERO),
        positions=positions,
        lots=lots,
        recent_trades=(*snapshot.recent_trades, *trades),
    )


def _merged(made: RebalancePlan, moves: _Moves, account: _Account) -> RebalancePlan:
    """The plan made after the harvests, with the harvesting sales merged back in."""
    checked = account.checked
    sold = {h.symbol: h for h in moves.harvests}
    substitutes = {h.substitute for h in moves.harvests}
    held_back = {symbol for symbol, _ in moves.moved}
    value = checked.total_value
    items: list[PlanItem] = []
    for item in made.items:
        harvest = sold.get(item.symbol)
        if harvest is not None:
            items.append(_with_harvest(item, harvest, value))
        elif item.symbol in substitutes and item.action is Action.BUY:
            items.append(item._replace(reason=Reason.HARVEST))
        elif item.symbol in held_back and item.action is Action.HOLD:
            items.append(item._replace(reason=Reason.WASH_SALE))
        else:
            items.append(item)
    items.sort(key=lambda i: (_ORDER[i.action], i.symbol))
    held = made.held
    if held is not None:
        symbols = tuple(held)
        back = [held[s] + (sold[s].shares if s in sold else ZERO) for s in symbols]
        held = Held(symbols, tuple(back))
    report = _report(made.tax, items, moves, account.inputs)
    plan = attrs.evolve(
        made,
        items=tuple(items),
        total_value=value,
        cash_before=checked.cash,
        held=held,
        tax=report,
    )
    return attrs.evolve(plan, plan_id=_plan_id(made.plan_id, moves))


def _with_harvest(item: PlanItem, harvest: Harvest, value: Decimal) -> PlanItem:
    """The symbol's item with the harvesting sale added to what the plan trades."""
    current = item.current_value + harvest.proceeds
    weight = (current / value).quantize(WEIGHT_QUANTUM) if value else item.current_weight
    return item._replace(
        action=Action.SELL,
        trade_amount=item.trade_amount - harvest.proceeds,
        quantity=item.quantity - harvest.shares,
        current_value=current,
        current_weight=weight,
        reason=Reason.HARVEST,
    )


def _report(
    made: TaxReport | None, items: list[PlanItem], moves: _Moves, inputs: TaxInputs
) -> TaxReport:
    """The plan's report with the harvesting sales: gains, tax, what moved where."""
    terms = inputs.terms
    policy = terms.policy
    earlier: list[LotSale] = [] if made is None else list(made.sales)
    harvests: dict[str, list[LotSale]] = {}
    for h in moves.harvests:
        pieces, earlier = _one_per_lot(h, earlier)
        harvests[h.symbol] = lot_sales(h.symbol, priced(pieces, h.price), terms.first_short)
    sales: list[LotSale] = []
    for item in items:
        if item.action is Action.SELL:
            sales += harvests.get(item.symbol, [])
            sales += [s for s in earlier if s.symbol == item.symbol]
    short, long, tax = estimated_tax(sales, policy)
    over = Decimal("0.00")
    if policy.max_realized_gain is not None:
        over = max(short + long - policy.max_realized_gain, over)
    loss = -sum((h.gain for h in moves.harvests), Decimal("0.00"))  # the harvests' own shares
    # each pair once: a harvest and the rest of its symbol's gap may go to one substitute
    pairs = sorted({*((h.symbol, h.substitute) for h in moves.harvests), *moves.moved})
    return TaxReport(
        sales=tuple(sales),
        short_term_gain=short,
        long_term_gain=long,
        estimated_tax=tax,
        unknown_basis=() if made is None else made.unknown_basis,
        over_budget=over,
        harvested_loss=max(loss, Decimal("0.00")),
        substituted=tuple(pairs),
    )


def _one_per_lot(harvest: Harvest, earlier: list[LotSale]) -> tuple[list[Piece], list[LotSale]]:
    """The harvest's pieces with the plan's later sales of the same lots added to them.

    A lot the harvest and the plan after it both relieve is one sale of one lot (as a
    broker relieves it): its shares are priced together, rounded to cents once. Returns
    the pieces and the later sales left (those of other lots).
    """
    shares = {id(lot): q for lot, q in harvest.pieces}
    left: list[LotSale] = []
    for sale in earlier:
        named = (lot for lot, _ in harvest.pieces if names(sale, lot))
        lot = next(named, None) if sale.symbol == harvest.symbol else None
        if lot is not None:
            shares[id(lot)] += sale.quantity
        else:
            left.append(sale)
    return [(lot, shares[id(lot)]) for lot, _ in harvest.pieces], left


def _plan_id(made: str, moves: _Moves) -> str:
    """The plan's id, extended to name the harvests and the buys moved to substitutes."""
    parts = [made]
    for h in moves.harvests:
        lots = ",".join(f"{lot.lot_id}:{lot.acquired.isoformat()}:{q}" for lot, q in h.pieces)
        parts.append(f"{h.symbol}>{h.substitute}:{h.shares}:{h.proceeds}:{lots}")
    parts += [f"{a}>{b}" for a, b in moves.moved]
    text = "\x01".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.sha256(text).hexdigest()[:32]
