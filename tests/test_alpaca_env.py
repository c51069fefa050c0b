"""AlpacaBroker.from_env, settings checks, the optional extra, and the real paper account."""

from __future__ import annotations

import doctest
import os
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest
from alpaca_server import AlpacaServer
from hypothesis import given
from hypothesis import strategies as st
from returns.pipeline import is_successful

from adapters.alpaca import AlpacaBroker, facts, failure, reads, retry, settings, symbols
from portfolio import ErrorKind

ROOT = Path(__file__).resolve().parent.parent
KEY, SECRET = "PKENV0123456789ABCDEF", "envSECRET/0123456789abcdefghijklmnopqr"
ENV = {"APCA_API_KEY_ID": KEY, "APCA_API_SECRET_KEY": SECRET}


@pytest.fixture
def server() -> Iterator[AlpacaServer]:
    with AlpacaServer(KEY, SECRET) as alpaca:
        yield alpaca


def test_from_env_without_keys_is_a_failure_naming_them() -> None:
    error = AlpacaBroker.from_env({}).failure()
    assert error.kind is ErrorKind.BROKER_UNAVAILABLE
    assert error.context["missing"] == "APCA_API_KEY_ID,APCA_API_SECRET_KEY"
    only_key = AlpacaBroker.from_env({"APCA_API_KEY_ID": KEY, "APCA_API_SECRET_KEY": "  "})
    assert only_key.failure().context["missing"] == "APCA_API_SECRET_KEY"


def test_from_env_defaults_to_paper_trading() -> None:
    broker = AlpacaBroker.from_env(ENV).unwrap()
    assert broker.settings.paper
    assert broker.settings.trading_url is None
    assert repr(broker).startswith("AlpacaBroker(paper,")


def test_from_env_reads_the_base_urls_dropping_a_version_suffix() -> None:
    env = {
        **ENV,
        "APCA_API_BASE_URL": "https://paper-api.alpaca.markets/v2/",
        "APCA_API_DATA_URL": "https://data.example.test",
    }
    found = AlpacaBroker.from_env(env).unwrap().settings
    assert (found.trading_url, found.data_url) == (
        "https://paper-api.alpaca.markets",
        "https://data.example.test",
    )


def test_from_env_rejects_unusable_settings() -> None:
    error = AlpacaBroker.from_env(ENV, timeout=0, max_retries=-1, feed="nope").failure()
    assert error.context["settings"] == "feed,timeout,max_retries"
    bad_url = AlpacaBroker.from_env({**ENV, "APCA_API_BASE_URL": "paper-api.alpaca.markets"})
    assert bad_url.failure().context["settings"] == "trading_url"


def test_from_env_refuses_a_key_with_a_newline_without_showing_it() -> None:
    error = AlpacaBroker.from_env({**ENV, "APCA_API_SECRET_KEY": "s3cr\nEt"}).failure()
    assert (error.kind, error.context["settings"]) == (ErrorKind.INVALID_CONFIG, "secret_key")
    assert "s3cr" not in str(error)


def test_a_broker_from_env_reads_the_server(server: AlpacaServer) -> None:
    server.set_cash("12.34")
    env = {**ENV, "APCA_API_BASE_URL": server.url, "APCA_API_DATA_URL": server.url}
    broker = AlpacaBroker.from_env(env, timeout=2.0).unwrap()
    assert broker.get_snapshot([]).unwrap().cash == Decimal("12.34")
    broker.close()


def test_from_env_reads_the_process_environment_by_default() -> None:
    result = AlpacaBroker.from_env()
    has_keys = all(os.environ.get(name, "").strip() for name in ENV)
    assert is_successful(result) is has_keys


@given(st.text(min_size=1, max_size=40).filter(str.strip), st.text(min_size=1, max_size=40))
def test_keys_are_in_no_repr(api_key: str, secret_key: str) -> None:
    """Whatever the keys are, nothing a broker shows about itself contains them."""
    broker = AlpacaBroker(api_key.strip(), secret_key + "#s3cr3t", trading_url="http://h")
    shown = repr(broker) + repr(broker.settings) + str(broker.settings)
    assert secret_key + "#s3cr3t" not in shown
    assert f"api_key={api_key.strip()!r}" not in shown


@pytest.mark.parametrize("module", [symbols, failure, settings, retry, reads, facts])
def test_module_examples_hold(module: ModuleType) -> None:
    assert doctest.testmod(module).failed == 0


def test_import_portfolio_does_not_import_alpaca() -> None:
    heavy = "{'alpaca', 'pandas', 'pydantic'}"
    code = (
        "import sys, portfolio, ports, adapters;"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {heavy}))"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter, our own code
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.strip() == "[]"


@pytest.mark.alpaca_paper  # skipped without keys and on CI: see tests/conftest.py
def test_reads_the_real_paper_account() -> None:
    broker = AlpacaBroker.from_env().unwrap()
    snapshot = broker.get_snapshot(["SPY", "BTC/USD"]).unwrap()
    broker.close()
    assert snapshot.prices["SPY"] > 0
    assert snapshot.prices["BTC/USD"] > 0
    assert snapshot.assets["SPY"].tradable


@given(
    st.lists(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ./", min_size=1, max_size=8), unique=True),
    st.integers(min_value=1, max_value=60),
)
def test_query_chunks_keep_every_symbol_once_within_the_budget(
    names: list[str], budget: int
) -> None:
    """A price request may not exceed the URL budget, and no symbol may be lost or doubled."""
    groups = symbols.query_chunks(names, budget)
    assert [s for group in groups for s in group] == sorted(names)
    for group in groups:
        assert len(symbols.symbols_query(group)) <= budget or len(group) == 1
