"""Shared models: many accounts on a few (weights, policy) pairs, each prepared once.

Advisers plan thousands of accounts on a handful of model portfolios. `plan_rebalance`
checks the allocation and the policy on every call (`Planner.prepare`, about a third of
a 20-symbol plan); `SharedModels.plan` does it once per distinct model and reuses the
prepared planner for every account on it.

A model is an allocation's weights and `portfolio_value` under one policy: equal
records, not only the same object, and written alike. A plan carries its policy, so
`min_trade_amount=1.0` and `1.00` are two models, and so are weights `0.5` and `0.50`
(which no plan shows today): every plan is exactly what `plan_rebalance` gives, digits
included. The
correlation id is not part of the model: each account keeps its own, and its plan id
is digested with it (`steps.planner.plan_prepared`). Whatever a key cannot describe exactly (a
`CombinedAllocation`, a weight that is not a `Decimal`, a key that is not a `str`, a
subclass) is planned by `plan_rebalance` itself, so bad data fails exactly as there.
Memory is bounded: past `MAX_MODELS` distinct models the remembered ones are dropped.
"""

from __future__ import annotations

from decimal import Decimal

import attrs
from returns.result import Failure, Result, Success

from portfolio.records.allocation import Allocation, CombinedAllocation
from portfolio.records.errors import PortfolioError
from portfolio.records.frozen import FrozenDict
from portfolio.records.plan import RebalancePlan
from portfolio.records.policy import SizingPolicy
from portfolio.records.snapshot import Snapshot
from portfolio.steps.planner import plan_prepared, plan_rebalance
from portfolio.steps.prepare import Prepared, prepare

__all__ = ["MAX_MODELS", "SharedModels", "model_key", "policy_key"]

#: Distinct models (and distinct policy objects) remembered at a time.
MAX_MODELS = 1024

_Key = tuple[object, type, str, tuple[str, ...], str]
_STR, _DECIMAL = frozenset({str}), frozenset({Decimal})


def model_key(allocation: Allocation, policy_key: object) -> _Key | None:
    """What makes two allocations one model under a policy (its key `policy_key`), or None.

    None when the key could not tell two different inputs apart: then the account is
    planned on its own. Keys and weights are compared as written, in their order.

    >>> from decimal import Decimal as D
    >>> a = Allocation(target_weights={"SPY": D("0.5")}, correlation_id="a")
    >>> b = Allocation(target_weights={"SPY": D("0.5")}, correlation_id="b")
    >>> c = Allocation(target_weights={"SPY": D("0.50")}, correlation_id="a")
    >>> model_key(a, "p") == model_key(b, "p"), model_key(a, "p") == model_key(c, "p")
    (True, False)
    >>> model_key(Allocation(target_weights={"SPY": 0.5}, correlation_id="a"), "p") is None
    True
    """
    weights = allocation.target_weights
    value = allocation.portfolio_value
    if type(weights) is not FrozenDict or type(allocation.correlation_id) is not str:
        return None
    if not (
        frozenset(map(type, weights)) <= _STR and frozenset(map(type, weights.values())) <= _DECIMAL
    ):
        return None
    if value is not None and type(value) is not Decimal:
        return None
    # the names as they are: 4.8 thousand instructions for 20, where joining them and
    # counting the separators (a NUL inside a name) took 8.5, each with its hash
    names = tuple(weights)
    written = ("%s\x00" * len(weights))[:-1] % tuple(weights.values())  # str() each, no list
    return policy_key, type(value), str(value), names, written


def policy_key(policy: SizingPolicy) -> object:
    """Equal for policies that are equal, written alike, and of the same types field by field."""
    fields = attrs.astuple(policy, recurse=False)
    return repr(policy), tuple(map(type, fields))


@attrs.define
class SharedModels:
    """Planners by model, for one run of many accounts: each model prepared once.

    >>> from decimal import Decimal as D
    >>> models = SharedModels()
    >>> weights = {"SPY": D("0.5")}
    >>> plans = [
    ...     models.plan(Allocation(target_weights=weights, correlation_id=name),
    ...                 Snapshot(cash=D(1000), prices={"SPY": D(100)}))
    ...     for name in ("a", "b")
    ... ]
    >>> [plan.unwrap().correlation_id for plan in plans], len(models)
    (['a', 'b'], 1)
    """

    _models: dict[_Key, Prepared | PortfolioError] = attrs.field(factory=dict)
    _policies: dict[int, tuple[SizingPolicy, object]] = attrs.field(factory=dict)

    def __len__(self) -> int:
        """How many models are remembered."""
        return len(self._models)

    def plan(
        self,
        allocation: Allocation | CombinedAllocation,
        snapshot: Snapshot,
        policy: SizingPolicy = SizingPolicy(),  # noqa: B008 - a frozen record is a safe default
    ) -> Result[RebalancePlan, PortfolioError]:
        """Exactly `plan_rebalance(allocation, snapshot, policy)`, the model prepared once."""
        key = self._key(allocation, policy)
        if key is None:
            return plan_rebalance(allocation, snapshot, policy)
        model = self._models.get(key)
        if model is None:
            if len(self._models) >= MAX_MODELS:
                self._models.clear()
            prepared = prepare(allocation, policy)
            model = prepared.unwrap() if isinstance(prepared, Success) else prepared.failure()
            self._models[key] = model
        if isinstance(model, PortfolioError):  # the model's own problem: no correlation id in it
            return Failure(model)
        # the same model, under the account's own correlation id
        return plan_prepared(model, snapshot, allocation.correlation_id)

    def _key(self, allocation: object, policy: object) -> _Key | None:
        if type(allocation) is not Allocation or type(policy) is not SizingPolicy:
            return None
        known = self._policies.get(id(policy))
        if known is None or known[0] is not policy:  # a policy object seen for the first time
            if len(self._policies) >= MAX_MODELS:
                self._policies.clear()
            known = self._policies[id(policy)] = (policy, policy_key(policy))
        return model_key(allocation, known[1])
