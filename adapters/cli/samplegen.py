"""Generates the bundled sample data once, deterministically; the files are committed.

Run `python -m adapters.cli.samplegen DIR` to rewrite them; a test checks that the
committed files equal this module's output. Prices are synthetic (a seeded random walk
with a shared market factor), not market data. Only `random.random()` (exact Mersenne
Twister output) and Decimal arithmetic are used, so every platform writes the same bytes.
"""

from __future__ import annotations

import json
import random
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

__all__ = ["account_json", "generate", "prices_csv", "weights_json"]

SEED = 20220103
START, END = date(2022, 1, 3), date(2024, 12, 31)
#: symbol → (first close, daily drift, daily idiosyncratic volatility, market beta)
SYMBOLS = {
    "SPY": (Decimal("475.00"), Decimal("0.0001"), Decimal("0.004"), Decimal("1.0")),
    "QQQ": (Decimal("400.00"), Decimal("0.0001"), Decimal("0.007"), Decimal("1.3")),
    "TLT": (Decimal("148.00"), Decimal("-0.0002"), Decimal("0.009"), Decimal("-0.2")),
    "GLD": (Decimal("170.00"), Decimal("0.0002"), Decimal("0.008"), Decimal("0.1")),
    "XLE": (Decimal("56.00"), Decimal("0.0001"), Decimal("0.014"), Decimal("0.8")),
}
MARKET_VOLATILITY = Decimal("0.008")
CENT = Decimal("0.01")
WEIGHTS = {"SPY": "0.40", "QQQ": "0.25", "TLT": "0.20", "GLD": "0.10"}
HOLDINGS = {"SPY": "40", "TLT": "150", "XLE": "60", "GLD": "10"}
CASH = "5000.00"


def _normal(rng: random.Random) -> Decimal:
    """An approximately standard normal draw (Irwin–Hall: twelve uniforms minus six)."""
    return sum((Decimal(rng.random()) for _ in range(12)), Decimal(0)) - 6


def _business_days() -> list[date]:
    days = (START + timedelta(days=n) for n in range((END - START).days + 1))
    return [day for day in days if day.weekday() < 5]


def _closes() -> list[tuple[date, dict[str, Decimal]]]:
    rng = random.Random(SEED)  # noqa: S311 - reproducible sample prices, not secrets
    closes = {symbol: spec[0] for symbol, spec in SYMBOLS.items()}
    rows = []
    for n, day in enumerate(_business_days()):
        if n:
            market = MARKET_VOLATILITY * _normal(rng)
            for symbol, (_, drift, vol, beta) in SYMBOLS.items():
                step = 1 + drift + beta * market + vol * _normal(rng)
                closes[symbol] = (closes[symbol] * step).quantize(CENT)
        rows.append((day, dict(closes)))
    return rows


def prices_csv() -> str:
    """The wide CSV: `date,SPY,QQQ,TLT,GLD,XLE`, one row per business day, closes in dollars."""
    lines = [",".join(["date", *SYMBOLS])]
    lines += [",".join([day.isoformat(), *map(str, row.values())]) for day, row in _closes()]
    return "\n".join(lines) + "\n"


def account_json() -> str:
    """A sample account priced at the last close: cash, four holdings, GLD in whole shares."""
    day, last = _closes()[-1]
    account = {
        "as_of": f"{day.isoformat()}T21:00:00+00:00",
        "cash": CASH,
        "positions": HOLDINGS,
        "prices": {symbol: str(price) for symbol, price in last.items()},
        "assets": {"GLD": {"fractionable": False}},
    }
    return json.dumps(account, indent=2) + "\n"


def weights_json() -> str:
    """Sample target weights: 95 % invested, 5 % cash, XLE not targeted (so it is sold)."""
    return json.dumps(WEIGHTS, indent=2) + "\n"


def generate(directory: Path) -> None:
    """Write prices.csv, account.json and weights.json into `directory`."""
    files = {"prices.csv": prices_csv(), "account.json": account_json()}
    files["weights.json"] = weights_json()
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    generate(Path(sys.argv[1]))
