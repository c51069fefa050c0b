"""Orders on Alpaca: `submit_order` under our client order id, read back by that id.

Market orders, `day` for stocks and `gtc` for crypto pairs (Alpaca takes crypto only
as gtc or ioc); quantities and notionals go out as exact decimal strings (`wire`).
Submitting is idempotent on the client id: Alpaca answers a second submission with 422
"client_order_id must be unique", and the order already placed is then read back
instead. A 429 is retried by `Caller` (safe for the same reason). Every other 422
(a wash trade, "qty must be integer", an unknown asset, …) and every 403 (insufficient
buying power, not shortable, …) is ORDER_REJECTED with Alpaca's message and code;
every other SDK or HTTP error is the adapter's usual typed Failure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation

import attrs
from alpaca.common.exceptions import APIError
from alpaca.trading.enums import OrderSide, TimeInForce
from alpaca.trading.requests import MarketOrderRequest
from returns.result import Failure, Result, Success

from adapters.alpaca.failure import BrokerFailure, bad_response, scrubbed, shortened
from adapters.alpaca.symbols import is_crypto
from adapters.alpaca.transport import Caller, Clients
from portfolio.orders.intents import OrderIntent
from portfolio.orders.state import OrderState, OrderStatus
from portfolio.records.errors import ErrorKind, PortfolioError
from portfolio.records.plan import Action

__all__ = ["BY_CLIENT_ID", "ORDERS", "get_order", "parse_order", "submit_order", "wire"]

ORDERS, BY_CLIENT_ID = "/v2/orders", "/v2/orders:by_client_order_id"
_FORBIDDEN, _NOT_FOUND, _UNPROCESSABLE = 403, 404, 422
_LONGEST_MESSAGE = 200
#: Alpaca's code for a refused request body: a duplicate client id, and much else too.
_INVALID_BODY = 40010001
_STATUSES = {status.value: status for status in OrderStatus}


@attrs.frozen
class _Refused:
    """An HTTP answer that is an outcome, not a failure: 403, 404 or 422, with its message.

    `code` is Alpaca's error code from the body (None when there is none).
    """

    status: int
    message: str
    code: int | None = None

    @property
    def duplicate(self) -> bool:
        """True only for Alpaca's answer to a client order id it already has.

        A 422 alone says nothing: Alpaca refuses wash trades (42210000) and bodies it
        cannot take ("qty must be integer", 40010001 like a duplicate) with 422 too.
        """
        words = self.message.lower()
        return (
            self.status == _UNPROCESSABLE
            and self.code in {_INVALID_BODY, None}
            and "client_order_id" in words
            and "unique" in words
        )


def submit_order(
    connect: Callable[[], Clients], caller: Caller, intent: OrderIntent
) -> Result[OrderState, PortfolioError]:
    """Place a market order for `intent`; an already placed client id is read back.

    Every Failure is scrubbed of the keys, whatever Alpaca echoed into it.
    """
    return _submit(connect, caller, intent).alt(
        lambda error: scrubbed(error, caller.settings.secrets)
    )


def get_order(
    connect: Callable[[], Clients], caller: Caller, client_order_id: str
) -> Result[OrderState | None, PortfolioError]:
    """The order placed under `client_order_id`, or None when Alpaca has none (404)."""
    return _get(connect, caller, client_order_id).alt(
        lambda error: scrubbed(error, caller.settings.secrets)
    )


def _submit(
    connect: Callable[[], Clients], caller: Caller, intent: OrderIntent
) -> Result[OrderState, PortfolioError]:
    try:
        clients = connect()
        body = _body(intent)
        answer = caller.call(ORDERS, _refusable(lambda: clients.trading.post("/orders", body)))
        match answer:
            case _Refused(duplicate=True):
                return _get(connect, caller, intent.client_order_id).bind(
                    lambda found: _found(found, intent)
                )
            case _Refused() as refused:
                return Failure(_rejected(intent, refused))
        return Success(parse_order(answer, ORDERS))
    except BrokerFailure as failed:
        return Failure(failed.error)


def _get(
    connect: Callable[[], Clients], caller: Caller, client_order_id: str
) -> Result[OrderState | None, PortfolioError]:
    try:
        clients = connect()
        answer = caller.call(
            BY_CLIENT_ID,
            _refusable(lambda: clients.trading.get_order_by_client_id(client_order_id)),
        )
        match answer:
            case _Refused(status=404):
                return Success(None)
            case _Refused(status=status):
                raise bad_response(BY_CLIENT_ID, f"HTTP {status}", status=status)
        return Success(parse_order(answer, BY_CLIENT_ID))
    except BrokerFailure as failed:
        return Failure(failed.error)


def parse_order(raw: object, endpoint: str) -> OrderState:
    """An Alpaca order body as an `OrderState`; BROKER_BAD_RESPONSE naming the bad field."""
    if not isinstance(raw, Mapping):
        raise bad_response(endpoint, "an order is not a JSON object")
    side = {"buy": Action.BUY, "sell": Action.SELL}.get(str(raw.get("side")))
    if side is None:
        raise bad_response(endpoint, "order side is neither buy nor sell", field="side")
    texts = {name: raw.get(name) for name in ("id", "client_order_id", "symbol", "status")}
    if not all(isinstance(value, str) and value for value in texts.values()):
        raise bad_response(endpoint, "an order lacks its id, client id, symbol or status")
    return OrderState(
        order_id=str(texts["id"]),
        client_order_id=str(texts["client_order_id"]),
        symbol=str(texts["symbol"]),
        side=side,
        status=_STATUSES.get(str(texts["status"]), OrderStatus.OTHER),
        quantity=_decimal(raw, "qty", endpoint),
        notional=_decimal(raw, "notional", endpoint),
        filled_quantity=_decimal(raw, "filled_qty", endpoint) or Decimal(0),
        average_price=_decimal(raw, "filled_avg_price", endpoint),
    )


def _decimal(raw: Mapping[str, object], field: str, endpoint: str) -> Decimal | None:
    value = raw.get(field)
    if value is None:
        return None
    try:
        number = Decimal(str(value)) if isinstance(value, str | int | float) else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number < 0:
        raise bad_response(endpoint, f"order field {field} is not a number ≥ 0", field=field)
    return number


def _body(intent: OrderIntent) -> dict[str, object]:
    """The JSON body of the order: alpaca-py's own, with the amounts as exact strings.

    alpaca-py types `qty` and `notional` as floats (12,345,678.123456789 would go out as
    12345678.12345679); Alpaca takes them as decimal strings. So the request is built
    and checked by `MarketOrderRequest`, and its amounts are then replaced by `wire`.
    """
    body: dict[str, object] = _request(intent).to_request_fields()
    for field, amount in (("qty", intent.quantity), ("notional", intent.notional)):
        if amount is not None:
            body[field] = wire(amount)
    return body


def wire(amount: Decimal) -> str:
    """`amount` as Alpaca takes it: a plain decimal string, every digit, no exponent.

    >>> wire(Decimal("12345678.123456789")), wire(Decimal("1E-9")), wire(Decimal("1E+3"))
    ('12345678.123456789', '0.000000001', '1000')
    """
    return format(amount, "f")


def _request(intent: OrderIntent) -> MarketOrderRequest:
    amounts: dict[str, float] = {}
    if intent.quantity is not None:
        amounts["qty"] = float(intent.quantity)  # for alpaca-py's checks only: `_body`
    if intent.notional is not None:
        amounts["notional"] = float(intent.notional)
    try:
        return MarketOrderRequest(
            symbol=intent.symbol,
            side=OrderSide.BUY if intent.side is Action.BUY else OrderSide.SELL,
            time_in_force=TimeInForce.GTC if is_crypto(intent.symbol) else TimeInForce.DAY,
            client_order_id=intent.client_order_id,
            **amounts,
        )
    except ValueError as exc:  # alpaca-py's own checks (both or neither amount, …)
        raise BrokerFailure(
            PortfolioError.of(
                ErrorKind.INVALID_PLAN,
                "alpaca-py refused the order",
                client_order_id=intent.client_order_id,
                detail=shortened(str(exc).splitlines()[0], _LONGEST_MESSAGE),
            )
        ) from None


def _refusable(fetch: Callable[[], object]) -> Callable[[], object]:
    """`fetch`, with a 403 / 404 / 422 answered as a `_Refused` value instead of an error."""

    def fetched() -> object:
        try:
            return fetch()
        except APIError as exc:
            if exc.status_code not in {_FORBIDDEN, _NOT_FOUND, _UNPROCESSABLE}:
                raise
            return _Refused(status=int(exc.status_code), message=_message(exc), code=_code(exc))

    return fetched


def _message(exc: APIError) -> str:
    try:
        return shortened(str(exc.message), _LONGEST_MESSAGE)
    except (ValueError, KeyError, TypeError):
        return "no message"


def _code(exc: APIError) -> int | None:
    """Alpaca's error code in the body, when it is a whole number."""
    try:
        code = exc.code
    except (ValueError, KeyError, TypeError):
        return None
    return code if isinstance(code, int) and not isinstance(code, bool) else None


def _found(found: OrderState | None, intent: OrderIntent) -> Result[OrderState, PortfolioError]:
    if found is not None:
        return Success(found)
    return Failure(
        PortfolioError.of(
            ErrorKind.BROKER_BAD_RESPONSE,
            "Alpaca called the client order id a duplicate but has no order under it",
            client_order_id=intent.client_order_id,
        )
    )


def _rejected(intent: OrderIntent, refused: _Refused) -> PortfolioError:
    return PortfolioError.of(
        ErrorKind.ORDER_REJECTED,
        f"Alpaca rejected the order: {refused.message}",
        client_order_id=intent.client_order_id,
        symbol=intent.symbol,
        status=refused.status,
        code="none" if refused.code is None else refused.code,
    )
