"""`portfolio validate`: the design document's validation script, read-only.

With `APCA_API_KEY_ID` and `APCA_API_SECRET_KEY` set, it reads the account from
Alpaca paper trading and prints the plan for the given (or sample) weights; without
them it says so and uses the fake broker holding the sample account. It never places
an order: nothing in this package can.
"""

from __future__ import annotations

from functools import partial

from returns.result import Result

from adapters.cli.brokers import KEY_VARIABLES, alpaca_broker, fake_broker, has_alpaca_keys
from adapters.cli.commands.plan import plan_with_broker, policy_or_default
from adapters.cli.loaders import load_weights
from adapters.cli.options import ValidateOptions
from adapters.cli.report import Problem, finish, show_plan
from adapters.cli.samples import sample_account, sample_weights
from adapters.cli.terminal import ExitCode, Terminal
from portfolio import Allocation, RebalancePlan
from ports import BrokerPort

__all__ = ["run"]

CORRELATION_ID = "validate"


def _broker(terminal: Terminal) -> Result[BrokerPort, Problem]:
    if has_alpaca_keys(terminal.environ):
        terminal.warn("Reading the account from Alpaca (read-only: no order is placed).")
        return alpaca_broker(terminal.environ)
    missing = " / ".join(KEY_VARIABLES)
    terminal.warn(f"{missing} not set: using the fake broker with the sample account.")
    return sample_account().map(fake_broker)


def _plan(options: ValidateOptions, terminal: Terminal) -> Result[RebalancePlan, Problem]:
    weights = load_weights(options.weights) if options.weights else sample_weights()
    return Result.do(
        plan
        for target_weights in weights
        for policy in policy_or_default(options.policy)
        for broker in _broker(terminal)
        for plan in plan_with_broker(
            broker,
            Allocation(target_weights=target_weights, correlation_id=CORRELATION_ID),
            policy,
        )
    )


def run(options: ValidateOptions, terminal: Terminal) -> ExitCode:
    """Print the plan; exit 1 when the broker or the planner fails, 2 on a bad input file."""
    return finish(_plan(options, terminal), terminal, partial(show_plan, as_json=options.json))
