"""Every fault the Alpaca adapter must survive, each injected by the local server over real HTTP."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.utils import format_datetime
from urllib.parse import quote

import pytest
import requests
from alpaca_server import AlpacaServer, Fault, closed_port_url
from hypothesis import given
from hypothesis import strategies as st

from adapters.alpaca import AlpacaBroker
from adapters.alpaca.failure import redact, renderings
from adapters.alpaca.transport import DeadlineSession
from portfolio import ErrorKind, PortfolioError

KEY, SECRET = "PKFAULT0123456789WXYZ", "faultSECRET/0123456789abcdefghijklmnopq"
ACCOUNT, POSITIONS, ASSETS = "/v2/account", "/v2/positions", "/v2/assets"
TRADES = "/v2/stocks/trades/latest"
CRYPTO_TRADES = "/v1beta3/crypto/us/latest/trades"


class Sleeps:
    """A sleep that records each wait and, when `real`, actually waits (for small Retry-Afters)."""

    def __init__(self, *, real: bool) -> None:
        self.waits: list[float] = []
        self.real = real

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        if self.real:
            time.sleep(seconds)


@pytest.fixture
def server() -> Iterator[AlpacaServer]:
    with AlpacaServer(KEY, SECRET) as alpaca:
        alpaca.set_cash("500.00")
        alpaca.hold("AAPL", "2")
        alpaca.trades.update({"AAPL": 190.0, "SPY": 500.0, "BTC/USD": 60000.0})
        alpaca.list_asset("AAPL")
        alpaca.list_asset("SPY")
        yield alpaca


def broker_for(
    url: str, *, timeout: float = 2.0, max_retries: int = 3, sleep: Sleeps | None = None
) -> AlpacaBroker:
    return AlpacaBroker(
        KEY,
        SECRET,
        trading_url=url,
        data_url=url,
        timeout=timeout,
        max_retries=max_retries,
        sleep=sleep or Sleeps(real=True),
    )


def failure_of(broker: AlpacaBroker, symbols: list[str] | None = None) -> PortfolioError:
    error = broker.get_snapshot(["SPY"] if symbols is None else symbols).failure()
    broker.close()
    return error


def test_connection_refused_is_broker_unavailable() -> None:
    error = failure_of(broker_for(closed_port_url()))
    assert (error.kind, error.context["endpoint"]) == (ErrorKind.BROKER_UNAVAILABLE, ACCOUNT)


def test_a_server_that_never_answers_times_out(server: AlpacaServer) -> None:
    server.fail(POSITIONS, Fault.hanging())
    error = failure_of(broker_for(server.url, timeout=0.3))
    assert (error.kind, error.context["endpoint"]) == (ErrorKind.TIMEOUT, POSITIONS)
    assert server.count(POSITIONS) == 1  # a time-out is not retried


def test_429s_are_retried_honouring_retry_after(server: AlpacaServer) -> None:
    server.fail(ACCOUNT, Fault.rate_limited(retry_after="0.05"), times=2)
    sleeps = Sleeps(real=True)
    broker = broker_for(server.url, max_retries=3, sleep=sleeps)
    assert broker.get_snapshot(["SPY"]).unwrap().cash == 500
    broker.close()
    assert sleeps.waits == [0.05, 0.05]
    assert server.count(ACCOUNT) == 3


def test_too_many_429s_are_rate_limited_and_the_sdk_does_not_retry_too(
    server: AlpacaServer,
) -> None:
    server.fail(TRADES, Fault.rate_limited(retry_after="0"), times=10)
    sleeps = Sleeps(real=True)
    error = failure_of(broker_for(server.url, max_retries=2, sleep=sleeps))
    assert error.kind is ErrorKind.BROKER_RATE_LIMITED
    assert (error.context["endpoint"], error.context["attempts"]) == (TRADES, "3")
    # Exactly 1 + max_retries requests: alpaca-py's own 3 × 3 s loop would add more.
    assert server.count(TRADES) == 3
    assert sleeps.waits == [0.0, 0.0]


def test_a_429_without_retry_after_backs_off_exponentially(server: AlpacaServer) -> None:
    server.fail(ACCOUNT, Fault.rate_limited(retry_after=None), times=4)
    sleeps = Sleeps(real=False)
    error = failure_of(broker_for(server.url, timeout=10.0, max_retries=3, sleep=sleeps))
    assert error.kind is ErrorKind.BROKER_RATE_LIMITED
    assert sleeps.waits == [0.5, 1.0, 2.0]


def test_a_wait_that_would_outlast_the_timeout_is_not_waited(server: AlpacaServer) -> None:
    server.fail(ACCOUNT, Fault.rate_limited(retry_after=None), times=4)
    sleeps = Sleeps(real=False)
    error = failure_of(broker_for(server.url, timeout=2.0, max_retries=3, sleep=sleeps))
    assert (error.kind, error.context["retry_after"]) == (ErrorKind.BROKER_RATE_LIMITED, "2")
    assert sleeps.waits == [0.5, 1.0]  # 0.5 + 1 + 2 s of waiting would not end within 2 s


def test_a_429_with_only_a_rate_limit_reset_waits_until_the_reset(server: AlpacaServer) -> None:
    reset = time.time() + 3.5
    server.fail(ACCOUNT, Fault.rate_limit_reset(reset))
    sleeps = Sleeps(real=False)
    broker = broker_for(server.url, timeout=10.0, sleep=sleeps)
    assert broker.get_snapshot(["SPY"]).unwrap().cash == 500
    broker.close()
    (wait,) = sleeps.waits
    assert 2 < wait <= 3.5  # until the whole second the header names, not 0.5 s of backoff


def test_a_rate_limit_reset_after_the_timeout_fails_at_once(server: AlpacaServer) -> None:
    server.fail(ACCOUNT, Fault.rate_limit_reset(time.time() + 30), times=4)
    sleeps = Sleeps(real=False)
    error = failure_of(broker_for(server.url, timeout=2.0, sleep=sleeps))
    assert error.kind is ErrorKind.BROKER_RATE_LIMITED
    assert 28 < float(error.context["retry_after"]) <= 30
    assert (sleeps.waits, server.count(ACCOUNT)) == ([], 1)


def test_the_timeout_bounds_a_body_trickled_byte_by_byte(server: AlpacaServer) -> None:
    body = {"trades": {"SPY": {"p": 500.0}}}  # 34 bytes: 13.6 s at one byte every 0.4 s
    server.fail(TRADES, Fault.trickled(body, every=0.4))
    started = time.monotonic()
    error = failure_of(broker_for(server.url, timeout=1.0))
    elapsed = time.monotonic() - started
    assert (error.kind, error.context["endpoint"]) == (ErrorKind.TIMEOUT, TRADES)
    assert elapsed < 4.0  # the deadline (1 s) plus slack for a loaded machine, not 13.6 s


def test_the_timeout_bounds_headers_trickled_byte_by_byte(server: AlpacaServer) -> None:
    body = {"trades": {"SPY": {"p": 500.0}}}  # ~100 bytes of head and body: 40 s at 0.4 s each
    server.fail(TRADES, Fault.trickled_head(body, every=0.4))
    started = time.monotonic()
    error = failure_of(broker_for(server.url, timeout=1.0))
    elapsed = time.monotonic() - started
    assert (error.kind, error.context["endpoint"]) == (ErrorKind.TIMEOUT, TRADES)
    assert elapsed < 4.0  # the deadline (1 s) plus slack for a loaded machine, not 40 s


def test_the_timeout_covers_the_whole_snapshot_not_each_request(server: AlpacaServer) -> None:
    server.fail(ACCOUNT, Fault.rate_limited(retry_after="0.6"))
    server.fail(POSITIONS, Fault.rate_limited(retry_after="0.6"))
    error = failure_of(broker_for(server.url, timeout=1.0))
    # 0.6 s waited for the account; 0.6 s more for the positions would pass the 1 s.
    assert (error.kind, error.context["endpoint"]) == (ErrorKind.BROKER_RATE_LIMITED, POSITIONS)


def test_a_next_page_token_that_repeats_is_a_bad_response(server: AlpacaServer) -> None:
    server.fail(TRADES, Fault.json({"trades": {}, "next_page_token": "again"}), times=100)
    error = failure_of(broker_for(server.url))
    assert (error.kind, error.context["field"]) == (
        ErrorKind.BROKER_BAD_RESPONSE,
        "next_page_token",
    )
    assert server.count(TRADES) == 2


def test_endless_pages_stop_after_ten(server: AlpacaServer) -> None:
    for page in range(100):
        server.fail(TRADES, Fault.json({"trades": {}, "next_page_token": f"page-{page}"}))
    error = failure_of(broker_for(server.url))
    assert (error.kind, error.context["pages"]) == (ErrorKind.BROKER_BAD_RESPONSE, "10")
    assert server.count(TRADES) == 10


def test_pages_are_followed_and_merged(server: AlpacaServer) -> None:
    del server.trades["SPY"]  # the second page (the server's own answer) has AAPL only
    server.fail(TRADES, Fault.json({"trades": {"SPY": {"p": 501.0}}, "next_page_token": "p2"}))
    snapshot = broker_for(server.url).get_snapshot(["SPY"]).unwrap()
    assert snapshot.prices == {"AAPL": Decimal("190.0"), "SPY": Decimal("501.0")}
    pages = [e.params.get("page_token") for e in server.requests if e.path == TRADES]
    assert pages == [None, "p2"]


def test_a_retry_after_as_an_http_date_in_the_past_means_now(server: AlpacaServer) -> None:
    earlier = format_datetime(datetime.now(UTC) - timedelta(minutes=1), usegmt=True)
    server.fail(ACCOUNT, Fault.rate_limited(retry_after=earlier))
    sleeps = Sleeps(real=True)
    broker = broker_for(server.url, sleep=sleeps)
    assert broker.get_snapshot(["SPY"]).unwrap().cash == 500
    broker.close()
    assert sleeps.waits == [0.0]


def test_a_retry_after_beyond_a_minute_fails_at_once(server: AlpacaServer) -> None:
    server.fail(ACCOUNT, Fault.rate_limited(retry_after="120"), times=4)
    sleeps = Sleeps(real=False)
    error = failure_of(broker_for(server.url, sleep=sleeps))
    assert (error.kind, error.context["retry_after"]) == (ErrorKind.BROKER_RATE_LIMITED, "120")
    assert (sleeps.waits, server.count(ACCOUNT)) == ([], 1)


@pytest.mark.parametrize("path", [ACCOUNT, POSITIONS, TRADES, ASSETS])
@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_5xx_html_page_is_a_bad_response_naming_the_endpoint(
    server: AlpacaServer, path: str, status: int
) -> None:
    server.fail(path, Fault.html(status))
    error = failure_of(broker_for(server.url))
    assert error.kind is ErrorKind.BROKER_BAD_RESPONSE
    assert (error.context["endpoint"], error.context["status"]) == (path, str(status))
    assert server.count(path) == 1  # alpaca-py retries 504 by itself; not here


@pytest.mark.parametrize("path", [ACCOUNT, POSITIONS, TRADES, ASSETS])
def test_malformed_json_is_a_bad_response(server: AlpacaServer, path: str) -> None:
    server.fail(path, Fault.malformed_json())
    error = failure_of(broker_for(server.url))
    assert (error.kind, error.context["endpoint"]) == (ErrorKind.BROKER_BAD_RESPONSE, path)
    assert "not JSON" in error.message


def test_a_crypto_price_failure_names_the_crypto_endpoint(server: AlpacaServer) -> None:
    server.fail(CRYPTO_TRADES, Fault.malformed_json())
    error = failure_of(broker_for(server.url), ["BTC/USD"])
    assert (error.kind, error.context["endpoint"]) == (ErrorKind.BROKER_BAD_RESPONSE, CRYPTO_TRADES)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (ACCOUNT, {"id": "x", "status": "ACTIVE", "currency": "USD"}, "cash"),
        (POSITIONS, [{"symbol": "AAPL", "side": "long"}], "qty"),
        (POSITIONS, [{"qty": "1"}], "symbol"),
        (TRADES, {"trades": {"SPY": {"t": "2024-06-03T19:59:59Z", "s": 100}}}, "p"),
        (ASSETS, [{"symbol": "SPY", "tradable": True, "shortable": True}], "fractionable"),
    ],
)
def test_a_missing_field_is_a_bad_response_naming_it(
    server: AlpacaServer, path: str, body: object, field: str
) -> None:
    server.fail(path, Fault.json(body))
    error = failure_of(broker_for(server.url))
    assert error.kind is ErrorKind.BROKER_BAD_RESPONSE
    assert (error.context["endpoint"], error.context["field"]) == (path, field)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (ACCOUNT, {"cash": 500.0}, "cash"),  # Alpaca sends money as a string
        (POSITIONS, [{"symbol": "AAPL", "qty": 2, "side": "long"}], "qty"),
        (ACCOUNT, {"cash": "five hundred"}, "cash"),
        (ACCOUNT, {"cash": "NaN"}, "cash"),
        (TRADES, {"trades": {"SPY": {"p": "500.0"}}}, "p"),  # and prices as numbers
        (TRADES, {"trades": {"SPY": {"p": True}}}, "p"),
        (
            ASSETS,
            [{"symbol": "SPY", "tradable": "true", "fractionable": 1, "shortable": 1}],
            "tradable",
        ),
        (POSITIONS, {"positions": []}, None),
        (ASSETS, {"assets": []}, None),
        (TRADES, {"trades": ["SPY", 500.0]}, None),
    ],
)
def test_a_mistyped_value_is_a_bad_response(
    server: AlpacaServer, path: str, body: object, field: str | None
) -> None:
    server.fail(path, Fault.json(body))
    error = failure_of(broker_for(server.url))
    assert (error.kind, error.context["endpoint"]) == (ErrorKind.BROKER_BAD_RESPONSE, path)
    assert error.context.get("field") == field


def test_a_data_body_without_its_key_is_a_bad_response(server: AlpacaServer) -> None:
    server.fail(TRADES, Fault.json({"prices": {}}))
    error = failure_of(broker_for(server.url))
    assert (error.kind, error.context["endpoint"]) == (ErrorKind.BROKER_BAD_RESPONSE, TRADES)


def test_rejected_keys_are_a_bad_response_with_status_401(server: AlpacaServer) -> None:
    broker = AlpacaBroker(KEY, "wrong-secret", trading_url=server.url, data_url=server.url)
    error = failure_of(broker)
    assert (error.kind, error.context["status"]) == (ErrorKind.BROKER_BAD_RESPONSE, "401")


def test_symbols_without_a_price_are_listed_and_no_snapshot_is_made(
    server: AlpacaServer,
) -> None:
    server.hold("GONE", "1")
    error = failure_of(broker_for(server.url), ["SPY", "ZZZZ", "DOGE/USD"])
    assert error.kind is ErrorKind.MISSING_PRICE
    assert error.context["symbols"] == "DOGE/USD,GONE,ZZZZ"


def test_unusable_settings_fail_before_any_request(server: AlpacaServer) -> None:
    broker = AlpacaBroker("", SECRET, trading_url=server.url, timeout=-1, feed="carrier-pigeon")
    error = failure_of(broker)
    assert error.kind is ErrorKind.INVALID_CONFIG
    assert error.context["settings"] == "api_key,feed,timeout"
    assert server.count() == 0


FAULTS = [
    (ACCOUNT, Fault.html(500)),
    (POSITIONS, Fault.malformed_json()),
    (TRADES, Fault.rate_limited("0")),
    (ASSETS, Fault.json([{"symbol": "SPY", "tradable": KEY, "fractionable": SECRET}])),
    (ACCOUNT, Fault(status=400, body=f'{{"message": "bad key {KEY} {SECRET}"}}'.encode())),
    (ACCOUNT, Fault(status=400, body=f'{{"message": "{quote(SECRET, safe="")}"}}'.encode())),
    (TRADES, Fault(status=200, body=f"not json {SECRET!r} {quote(SECRET)}".encode())),
    (TRADES, Fault.json({"trades": {SECRET: "echoed"}})),  # a symbol that is the secret
    (POSITIONS, Fault.hanging()),
]


@pytest.mark.parametrize(("path", "fault"), FAULTS)
def test_credentials_never_appear_in_errors_reprs_or_logs(
    server: AlpacaServer, path: str, fault: Fault, caplog: pytest.LogCaptureFixture
) -> None:
    server.fail(path, fault, times=5)
    broker = broker_for(server.url, timeout=0.3, max_retries=1)
    with caplog.at_level(logging.DEBUG):
        error = broker.get_snapshot(["SPY"]).failure()
    shown = " ".join([str(error), repr(error), repr(broker), repr(broker.settings), caplog.text])
    broker.close()
    assert server.requests
    assert all(entry.authorised for entry in server.requests)  # the keys were sent...
    assert KEY not in shown  # ...and shown nowhere
    assert not [form for form in renderings(SECRET) if form in shown]


def test_refused_connections_do_not_show_credentials_either(
    caplog: pytest.LogCaptureFixture,
) -> None:
    broker = broker_for(closed_port_url())
    with caplog.at_level(logging.DEBUG):
        error = broker.get_snapshot(["SPY"]).failure()
    shown = " ".join([str(error), repr(error), repr(broker), caplog.text])
    assert KEY not in shown
    assert SECRET not in shown


@pytest.mark.parametrize("bad", ["PK\nINJECTED", "PK ABC", "PK\x00ABC", "PKÄBC", "PK\u2028ABC"])
@pytest.mark.parametrize("which", ["key", "secret"])
def test_keys_with_characters_no_header_can_carry_are_refused_unseen(
    server: AlpacaServer, bad: str, which: str, caplog: pytest.LogCaptureFixture
) -> None:
    key, secret = (bad, SECRET) if which == "key" else (KEY, bad + SECRET)
    broker = AlpacaBroker(key, secret, trading_url=server.url, data_url=server.url)
    with caplog.at_level(logging.DEBUG):
        error = failure_of(broker)
    assert error.kind is ErrorKind.INVALID_CONFIG
    assert error.context["settings"] == ("api_key" if which == "key" else "secret_key")
    shown = " ".join([str(error), repr(error), repr(broker), caplog.text])
    assert not [form for form in renderings(bad) if form in shown]
    assert server.count() == 0  # refused before anything is sent


NO_STAR = st.characters(blacklist_characters="*", blacklist_categories=())


@given(secret=st.text(NO_STAR, min_size=16, max_size=40), prefix=st.text(NO_STAR, max_size=10))
def test_no_rendering_of_a_secret_survives_redaction(secret: str, prefix: str) -> None:
    """Libraries quote a value before printing it: every quoting must be hidden.

    A secret of 16 characters or more (every real key) goes wherever it is, glued to a
    prefix or not; shorter ones only as whole tokens (tests/test_alpaca_secrets.py).
    (A secret containing `*` could be re-formed around the `***` that replaces it.)
    """
    encoded = secret.encode("utf-8", "surrogatepass")
    shown = " ".join(
        [prefix + secret, repr(secret), ascii(secret), quote(encoded), quote(encoded, safe="")]
    )
    redacted = redact(shown, (secret,))
    assert not [form for form in renderings(secret) if form in redacted]


def test_the_deadline_ends_with_the_snapshot(server: AlpacaServer) -> None:
    """Orders placed after a snapshot must not inherit its spent deadline."""
    session = DeadlineSession(timeout=2.0)
    with session.within(0.01):
        time.sleep(0.02)
        with pytest.raises(requests.Timeout):
            session.get(server.url + ACCOUNT)
    assert session.get(server.url + ACCOUNT).status_code == 401  # sent and answered
    session.close()


def test_a_symbol_that_is_half_a_character_is_a_bad_response(server: AlpacaServer) -> None:
    """JSON's "\\ud800" is a lone surrogate: the symbol went back into a price query,
    and urllib raised on it."""
    server.positions[0]["symbol"] = "\ud800"
    error = failure_of(broker_for(server.url))
    assert (error.kind, error.context["field"]) == (ErrorKind.BROKER_BAD_RESPONSE, "symbol")
    assert "not text" in error.message
