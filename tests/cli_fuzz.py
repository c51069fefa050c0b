# ruff: noqa: T201, S311 - the one-off run prints its tally; the generator is seeded, not secret
"""Malformed input files for the `portfolio` command line, and how to judge its answer.

Every case is one file for one option (`--weights`, `--snapshot`, `--policy`,
`--prices`, `--accounts`, `--lots`, `rebalance --plan`) in one format (JSON, TOML, CSV,
JSON lines), the other inputs being good, and one of three classes:

- `malformed`: broken by construction (syntax, encoding, a number beyond reach, nesting,
  a wrong type, an unknown or repeated key): exit 2, one line naming the file;
- `refused`: well formed, but the library refuses its meaning (weights above 1, a
  negative account, a zero price): exit 1, one line naming the file;
- `mutated`: random bytes flipped, dropped or inserted: anything may come of it but a
  traceback; when it fails, stderr names the file.

`tests/test_cli_fuzz.py` runs a seeded sample in the suite;
`python tests/cli_fuzz.py COUNT [SEED]` runs a big one and prints the tally.
"""

from __future__ import annotations

import functools
import json
import random
import sys
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import attrs
from cli_support import Run, cli

WEIGHTS = {"SPY": "0.5", "QQQ": "0.3"}
SNAPSHOT: dict[str, object] = {
    "cash": "10000",
    "positions": {"SPY": "20"},
    "prices": {"SPY": "500", "QQQ": "400"},
    "assets": {"QQQ": {"fractionable": False, "asset_class": "us_equity"}},
}
POLICY: dict[str, object] = {"min_trade_amount": "5", "band": "0.01", "fractional": False}
PRICES = "date,SPY,QQQ\n2024-01-02,470.5,400\n2024-01-03,471,401.25\n2024-02-01,480,410\n"
#: The account of SNAPSHOT on a day, for lots (their holding periods need one) and plans.
DATED = {**SNAPSHOT, "as_of": "2024-06-03T20:00:00+00:00"}
#: POLICY with tax rules, which read the lots.
TAXED = {**POLICY, "tax": {"method": "hifo"}}
#: The lots of DATED's 20 SPY.
LOTS = "symbol,quantity,cost,acquired,lot_id\nSPY,12,400,2023-01-05,a\nSPY,8,450,2024-01-05,b\n"

#: Tokens that are no good number, each in JSON and in TOML.
BAD_NUMBERS: tuple[tuple[str, str], ...] = (
    ("NaN", "nan"),
    ("-Infinity", "-inf"),
    ("1E+99999999999999999999", "1e99999999999999999999"),
    ("-1e-99999999999999999999", "-1e-99999999999999999999"),
    ("9" * 5000, "9" * 5000),
    ('"1,000"', '"1,000"'),
    ('"' + "7" * 6000 + 'x"', '"' + "7" * 6000 + 'x"'),
    ("true", "false"),
    ("null", '"null"'),
    ("[1, 2]", "[1, 2]"),
    ("{}", "{}"),
    ("[" * 3000 + "]" * 3000, "[" * 3000 + "]" * 3000),
    ('"NaN"', '"sNaN"'),
    ('"1e999999999999999999999"', '"-1E+9999999999999999999999"'),
)
#: Whole documents that are never a weights, snapshot or policy file.
BAD_DOCUMENTS: tuple[tuple[str, str], ...] = (
    ("[]", "x = [1, 2"),
    ('"SPY"', "SPY = = 1"),
    ("0.5", '"SPY" 0.5'),
    ("[" * 100_000 + "]" * 100_000, "a = " + "[" * 100_000 + "]" * 100_000),
    ("{" * 5000, "a = " + "{b = " * 5000 + "1" + "}" * 5000),
    ('{"a": 1} {"b": 2}', "[a]\nx = 1\n[a]\nx = 2\n"),
    ("SPY = 0.5", '{"SPY": 0.5}'),
    ('{"SPY": 0.5,}', "SPY = 0.5,"),
)
#: Cells that are no good price in a CSV.
BAD_CELLS = ("abc", "1E+99999999999999999999", "9" * 5000, "-5", "0", "1e-999999", "0x10", "½")


@attrs.frozen
class Case:
    """One input file for one option of one command, and the class of answer it deserves."""

    option: str
    name: str
    content: bytes
    kind: str  # "malformed", "refused" or "mutated"
    why: str


@attrs.frozen
class Verdict:
    """What became of a case: None when the answer was right, else why it was wrong."""

    case: Case
    run: Run | None
    problem: str | None


def _json(value: object) -> str:
    return json.dumps(value)


def _toml_value(value: object) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f'"{k}" = {_toml_value(v)}' for k, v in value.items()) + "}"
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def _toml(document: dict[str, object]) -> str:
    return "".join(f'"{key}" = {_toml_value(value)}\n' for key, value in document.items())


#: option → (file stem, the good document).
DOCUMENTS: dict[str, tuple[str, dict[str, object]]] = {
    "--weights": ("weights", dict(WEIGHTS)),
    "--snapshot": ("snapshot", dict(SNAPSHOT)),
    "--policy": ("policy", dict(POLICY)),
}


def _slots(document: dict[str, object], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The key paths of every leaf value of a document."""
    found: list[tuple[str, ...]] = []
    for key, value in document.items():
        if isinstance(value, dict):
            found.extend(_slots(value, (*prefix, key)))
        else:
            found.append((*prefix, key))
    return found


_MARK = "\u2063MARK\u2063"


def _replaced(document: dict[str, object], path: tuple[str, ...], token: str, *, toml: bool) -> str:
    """The document written with the leaf at `path` replaced by the raw text `token`."""
    copy = json.loads(json.dumps(document))
    inner = copy
    for key in path[:-1]:
        inner = inner[key]
    inner[path[-1]] = _MARK
    text = _toml(copy) if toml else _json(copy)
    return text.replace(json.dumps(_MARK), token)


def _structural(rng: random.Random, option: str, *, toml: bool) -> tuple[str, str]:
    """A document broken in its shape: an unknown key, a repeated key, a wrong type."""
    _stem, document = DOCUMENTS[option]
    choice = rng.randrange(4)
    if choice == 0:
        bad = {**document, "Unknown key": {"nested": 1}} if option != "--weights" else None
        if bad is not None:
            return (_toml(bad) if toml else _json(bad)), "an unknown key"
    if choice == 1 and not toml:
        text = _json(document)
        first = text[1 : text.index(",")]
        return "{" + first + ", " + text[1:], "a repeated key"
    if choice == 2 and option == "--snapshot":
        bad = {key: value for key, value in document.items() if key != "cash"}
        return (_toml(bad) if toml else _json(bad)), "cash missing"
    junk = rng.choice(['"text"', "[1]", "{}"] if not toml else ['"text"', "[1]", "{a = 1}"])
    if option == "--policy":
        junk = rng.choice(['"text"', "[1]"])
    slot = rng.choice(_slots(document))
    if option == "--snapshot" and slot[-1] == "asset_class":
        junk = "[1]"
    return _replaced(document, slot, junk, toml=toml), f"{'.'.join(slot)} = {junk[:20]}"


def _document_case(rng: random.Random, option: str) -> Case:  # noqa: C901 - a branch per damage
    stem, document = DOCUMENTS[option]
    toml = rng.random() < 0.4
    suffix = ".toml" if toml else ".json"
    style = rng.randrange(7)
    if style == 0:
        slot = rng.choice(_slots(document))
        if option == "--policy":  # a policy's non-number fields take any string or bool
            slot = rng.choice([("min_trade_amount",), ("band",)])
        if option == "--snapshot" and slot[-1] in {"fractionable", "asset_class"}:
            slot = ("cash",)
        json_token, toml_token = rng.choice(BAD_NUMBERS)
        token = toml_token if toml else json_token
        text, why = _replaced(document, slot, token, toml=toml), f"{'.'.join(slot)} = {token[:30]}"
    elif style == 1:
        json_text, toml_text = rng.choice(BAD_DOCUMENTS)
        text, why = (toml_text if toml else json_text), "not a document"
    elif style == 2:
        text, why = _structural(rng, option, toml=toml)
    elif style == 3:
        whole = (_toml(document) if toml else _json(document)).encode()
        cut = rng.randrange(1, len(whole) - 1)
        content = whole[:cut] + rng.choice([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\x80"])
        return Case(option, stem + suffix, content + whole[cut:], "malformed", "not UTF-8")
    elif style == 4 and not toml:
        good = _json(document)
        cut = rng.randrange(1, len(good) - 1)
        text, why = good[:cut], f"cut after {cut} characters"
    elif style == 5:
        text, why = rng.choice(["", " \n\t\n", "\n"]), "empty"
        if toml and option == "--policy":  # an empty policy file is every default
            text, why = "[[x]]\n[x]\n", "a table and an array of tables"
        if toml and option == "--snapshot":
            text = "\n"  # an empty snapshot has no cash: still malformed
    else:
        text = "\x00" + "".join(chr(rng.randrange(1, 0x2FF)) for _ in range(rng.randrange(40)))
        why = "garbage"
    return Case(option, stem + suffix, text.encode(), "malformed", why)


def _prices_case(rng: random.Random) -> Case:
    lines = PRICES.splitlines()
    style = rng.randrange(6)
    if style == 0:
        row = rng.randrange(1, len(lines))
        cells = lines[row].split(",")
        cells[rng.randrange(1, len(cells))] = rng.choice(BAD_CELLS)
        lines[row] = ",".join(cells)
        why = f"a bad cell on line {row + 1}"
    elif style == 1:
        row = rng.randrange(1, len(lines))
        lines[row] = lines[row].replace("2024-", rng.choice(["2024-13-", "24-", "x-", "2024/"]), 1)
        why = "a bad date"
    elif style == 2:
        row = rng.randrange(1, len(lines))
        lines[row] += rng.choice([",1", ""]) if rng.random() < 0.5 else ""
        lines[row] = lines[row].rsplit(",", 1)[0] if lines[row].count(",") == 2 else lines[row]
        why = "a row of the wrong length"
    elif style == 3:
        lines = rng.choice(
            [[], [lines[0]], ["date,SPY,SPY", *lines[1:]], [lines[0], lines[2], lines[1]]]
        )
        why = "no rows, a repeated column or dates out of order"
    elif style == 4:
        content = PRICES.encode()
        cut = rng.randrange(1, len(content) - 1)
        return Case(
            "--prices",
            "prices.csv",
            content[:cut] + b"\xff\xfe" + content[cut:],
            "malformed",
            "not UTF-8",
        )
    else:
        lines = ["date,SPY,QQQ", "2024-01-02,1\x00,2"]
        why = "a NUL"
    return Case("--prices", "prices.csv", ("\n".join(lines) + "\n").encode(), "malformed", why)


#: Cells that are no number in a lots file (a number the account refuses is `refused`).
BAD_LOT_NUMBERS = ("abc", "0x10", "½", '"1,5"', "NaN", "inf", "", "1E+99999999999999999999")
#: Cells that are no ISO date.
BAD_DATES = ("2024-13-01", "5 May", "2024/01/05", "", "2024-01-05T00:00", "24-01-05", "\x00")


def _lots_case(rng: random.Random) -> Case:
    lines = LOTS.splitlines()
    row = rng.randrange(1, len(lines))
    cells = lines[row].split(",")
    style = rng.randrange(7)
    if style == 0:
        column = rng.choice([1, 2])
        cells[column] = rng.choice(BAD_LOT_NUMBERS)
        lines[row], why = ",".join(cells), f"line {row + 1}: a bad number"
    elif style == 1:
        cells[3] = rng.choice(BAD_DATES)
        lines[row], why = ",".join(cells), f"line {row + 1}: a bad date"
    elif style == 2:
        lines[row] = ",".join(rng.choice([cells[:3], [*cells, "x"], cells[:1]]))
        why = f"line {row + 1}: a row of the wrong length"
    elif style == 3:
        lines[0] = rng.choice(
            ["symbol,quantity,cost", "symbol,qty,cost,acquired,lot_id", "", "a;b;c;d"]
        )
        why = "a bad header"
    elif style == 4:
        content = LOTS.encode()
        cut = rng.randrange(1, len(content) - 1)
        return Case(
            "--lots", "lots.csv", content[:cut] + b"\xff" + content[cut:], "malformed", "not UTF-8"
        )
    elif style == 5:
        lines, why = [], "empty"
    else:
        cells[0] = ""
        lines[row], why = ",".join(cells), f"line {row + 1}: no symbol"
    return Case("--lots", "lots.csv", ("\n".join(lines) + "\n").encode(), "malformed", why)


@functools.cache
def good_plan() -> str:
    """The plan of the good weights, dated account and policy, as `plan --json` saves it."""
    import tempfile  # noqa: PLC0415 - once per process

    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        (folder / "w.json").write_text(_json(WEIGHTS), encoding="utf-8")
        (folder / "s.json").write_text(_json(DATED), encoding="utf-8")
        (folder / "p.json").write_text(_json(POLICY), encoding="utf-8")
        made = cli(
            "plan",
            "--weights",
            folder / "w.json",
            "--snapshot",
            folder / "s.json",
            "--policy",
            folder / "p.json",
            "--json",
        )
    assert made.code == 0, made.err
    return made.out


def _plan_case(rng: random.Random) -> Case:
    document = json.loads(good_plan())
    style = rng.randrange(5)
    if style == 0:
        item = rng.choice(document["items"])
        field = rng.choice(["quantity", "price", "trade_amount", "action", "reason", "symbol"])
        why = f"items.{item['symbol']}.{field}"
        bad: list[object] = [None, [], {}, 1.5]  # a symbol may be any text (refused: not held)
        if field != "symbol":
            bad += ["abc", "NaN", "", "1E+999999999"]
        item[field] = rng.choice(bad)
        text = _json(document)
    elif style == 1:
        field = rng.choice(
            ["schema_version", "plan_id", "correlation_id", "held", "policy", "items", "as_of"]
        )
        document[field] = rng.choice([99, {"a": 1}, [None]])  # null and text may be good
        text, why = _json(document), f"{field} replaced"
    elif style == 2:
        good = good_plan()
        cut = rng.randrange(1, len(good) - 1)
        text, why = good[:cut], f"cut after {cut} characters"
    elif style == 3:
        content = good_plan().encode()
        cut = rng.randrange(1, len(content) - 1)
        return Case(
            "--plan", "plan.json", content[:cut] + b"\xff" + content[cut:], "malformed", "not UTF-8"
        )
    else:
        text, why = rng.choice([*(j for j, _ in BAD_DOCUMENTS), "", "{}"]), "not a plan"
    return Case("--plan", "plan.json", text.encode(), "malformed", why)


def _edited_plans() -> tuple[tuple[str, str, str], ...]:
    """Plans edited by hand so that the library refuses them: INVALID_PLAN, the file named."""
    price = json.loads(good_plan())
    price["items"][0]["price"] = "1"
    held = json.loads(good_plan())
    held["held"] = {}
    return (("--plan", "plan.json", _json(price)), ("--plan", "plan.json", _json(held)))


def _account_line(account_id: str) -> dict[str, object]:
    return {"account_id": account_id, "weights": WEIGHTS, "snapshot": SNAPSHOT, "policy": POLICY}


def _accounts_case(rng: random.Random) -> Case:
    lines = [_json(_account_line(f"acct-{n}")) for n in range(3)]
    bad = rng.randrange(3)
    style = rng.randrange(5)
    if style == 0:
        line = _account_line(f"acct-{bad}")
        part = rng.choice(["weights", "snapshot", "policy"])
        document = line[part]
        assert isinstance(document, dict)
        slot = rng.choice(_slots(document))
        if part == "policy" or slot[-1] in {"fractionable", "asset_class"}:
            slot = rng.choice([("cash",), ("prices", "SPY")]) if part == "snapshot" else slot
            if part == "policy":
                slot = ("band",)
        token = rng.choice(BAD_NUMBERS)[0]
        text = _replaced(document, slot, token, toml=False)
        lines[bad] = _json({**line, part: _MARK}).replace(json.dumps(_MARK), text)
        why = f"line {bad + 1}: {part}.{'.'.join(slot)} = {token[:20]}"
    elif style == 1:
        cut = rng.randrange(1, len(lines[bad]) - 1)
        lines[bad] = lines[bad][:cut]
        why = f"line {bad + 1} cut"
    elif style == 2:
        lines[bad] = rng.choice(["[]", "1", '"x"', "null", '{"account_id": ""}', "{" * 50_000])
        why = f"line {bad + 1} not an account"
    elif style == 3:
        lines[bad] = _json({**_account_line(f"acct-{bad}"), "extra": 1})
        why = f"line {bad + 1}: an unknown key"
    else:
        lines[bad] = lines[(bad + 1) % 3]
        why = "a repeated account_id"
    content = ("\n".join(lines) + "\n").encode()
    if rng.random() < 0.2:
        cut = rng.randrange(1, len(content) - 1)
        content = content[:cut] + b"\xff" + content[cut:]
        why += ", and a byte that is not UTF-8"
    return Case("--accounts", "accounts.jsonl", content, "malformed", why)


#: Well-formed files whose meaning the library refuses (exit 1, the file named).
REFUSED: tuple[tuple[str, str, str], ...] = (
    ("--weights", "weights.json", '{"SPY": "0.7", "QQQ": "0.5"}'),
    ("--weights", "weights.toml", "SPY = 60\nQQQ = 40\n"),
    ("--weights", "weights.json", '{"SPY": "-0.2"}'),
    ("--snapshot", "snapshot.json", '{"cash": "-100000", "prices": {"SPY": "500", "QQQ": "400"}}'),
    ("--snapshot", "snapshot.json", '{"cash": "1", "prices": {"SPY": "0", "QQQ": "400"}}'),
    ("--snapshot", "snapshot.toml", 'cash = "1"\n[prices]\nSPY = "500"\n'),
    ("--snapshot", "snapshot.json", '{"cash": "1", "prices": {"SPY": "1E+20", "QQQ": "4"}}'),
    ("--snapshot", "snapshot.json", '{"cash": "1E+20", "prices": {"SPY": "5", "QQQ": "4"}}'),
    ("--prices", "prices.csv", "date,SPY\n2024-01-02,470\n"),
    ("--lots", "lots.csv", "symbol,quantity,cost,acquired\nSPY,12,400,2023-01-05\n"),
    ("--lots", "lots.csv", "symbol,quantity,cost,acquired\nSPY,20,400,2024-06-04\n"),
    ("--lots", "lots.csv", LOTS + "QQQ,1,300,2023-01-05,c\n"),
    ("--lots", "lots.csv", "symbol,quantity,cost,acquired\nSPY,-5,400,2023-01-05\n"),
    ("--lots", "lots.csv", "symbol,quantity,cost,acquired\nSPY,20,-1,2023-01-05\n"),
    ("--lots", "lots.csv", "symbol,quantity,cost,acquired\nSPY," + "9" * 50 + ",1,2023-01-05\n"),
)


def cases(rng: random.Random, count: int) -> Iterator[Case]:
    """`count` cases: malformed ones of every option and format, some refused and mutated."""
    makers: list[Callable[[], Case]] = [
        lambda: _document_case(rng, "--weights"),
        lambda: _document_case(rng, "--snapshot"),
        lambda: _document_case(rng, "--policy"),
        lambda: _prices_case(rng),
        lambda: _accounts_case(rng),
        lambda: _lots_case(rng),
        lambda: _plan_case(rng),
    ]
    refused = (*REFUSED, *_edited_plans())
    for number in range(count):
        if number % 10 == 8:
            option, name, text = rng.choice(refused)
            yield Case(option, name, text.encode(), "refused", "refused by the library")
        elif number % 10 == 9:
            yield _mutated(rng)
        else:
            yield makers[number % len(makers)]()


def _mutated(rng: random.Random) -> Case:
    option = rng.choice(
        ["--weights", "--snapshot", "--policy", "--prices", "--accounts", "--lots", "--plan"]
    )
    if option == "--prices":
        name, good = "prices.csv", PRICES.encode()
    elif option == "--lots":
        name, good = "lots.csv", LOTS.encode()
    elif option == "--plan":
        name, good = "plan.json", good_plan().encode()
    elif option == "--accounts":
        lines = [_json(_account_line(f"acct-{n}")) for n in range(3)]
        name, good = "accounts.jsonl", ("\n".join(lines) + "\n").encode()
    else:
        stem, document = DOCUMENTS[option]
        toml = rng.random() < 0.4
        name = stem + (".toml" if toml else ".json")
        good = (_toml(document) if toml else _json(document)).encode()
    content = bytearray(good)
    for _ in range(rng.randrange(1, 6)):
        at = rng.randrange(len(content) or 1)
        match rng.randrange(3):
            case 0 if content:
                content[at] = rng.randrange(256)
            case 1 if content:
                del content[at]
            case _:
                content[at:at] = rng.choice(
                    [b"9" * 50, b"e99999", b"[", b"{", b",", b'"', b"\n", b"-"]
                )
    return Case(option, name, bytes(content), "mutated", "random edits")


def command_for(case: Case, directory: Path) -> list[str | Path]:
    """The command line that reads `case`'s file, with good files for every other input."""
    path = directory / case.name
    path.write_bytes(case.content)
    good = {
        "--weights": directory / "good-weights.json",
        "--snapshot": directory / "good-snapshot.json",
        "--policy": directory / "good-policy.json",
        "--prices": directory / "good-prices.csv",
        "dated": directory / "good-dated.json",
        "taxed": directory / "good-taxed.json",
    }
    good["--weights"].write_text(_json(WEIGHTS), encoding="utf-8")
    good["--snapshot"].write_text(_json(SNAPSHOT), encoding="utf-8")
    good["--policy"].write_text(_json(POLICY), encoding="utf-8")
    good["--prices"].write_text(PRICES, encoding="utf-8")
    good["dated"].write_text(_json(DATED), encoding="utf-8")
    good["taxed"].write_text(_json(TAXED), encoding="utf-8")
    if case.option == "--lots":
        return [
            "plan",
            "--weights",
            good["--weights"],
            "--snapshot",
            good["dated"],
            "--policy",
            good["taxed"],
            "--lots",
            path,
        ]
    if case.option == "--plan":
        return ["rebalance", "--plan", path, "--snapshot", good["dated"]]
    if case.option == "--accounts":
        return ["plan-many", "--accounts", path]
    if case.option == "--prices":
        return ["backtest", "--prices", path, "--weights", good["--weights"]]
    inputs = {option: good[option] for option in ("--weights", "--snapshot", "--policy")}
    inputs[case.option] = path
    return ["plan", *(part for pair in inputs.items() for part in pair)]


def judge(case: Case, directory: Path) -> Verdict:  # noqa: PLR0911 - a return per wrong answer
    """Run the command on the case's file and check its answer against the case's class."""
    argv = command_for(case, directory)
    path = str(directory / case.name)
    try:
        run = cli(*argv)
    except BaseException:  # noqa: BLE001 - an escaped exception is what is counted
        return Verdict(case, None, "traceback: " + traceback.format_exc().splitlines()[-1])
    lines = run.err.splitlines()
    if "Traceback" in run.err:
        return Verdict(case, run, "a traceback on stderr")
    if case.kind == "mutated":
        if run.code not in {0, 1, 2}:
            return Verdict(case, run, f"exit {run.code}")
        stale = case.option == "--plan" and run.err.startswith("error: PLAN_STALE: ")
        if run.code and not stale and not any(str(directory) in line for line in lines):
            return Verdict(case, run, "a failure that names no file")  # (the account moved)
        return Verdict(case, run, None)
    expected = 2 if case.kind == "malformed" else 1
    if run.code != expected:
        return Verdict(case, run, f"exit {run.code}, expected {expected}")
    if len(lines) != 1 or (run.out and case.option != "--accounts"):  # the lines before: whole
        return Verdict(case, run, f"{len(lines)} lines on stderr, {len(run.out)} on stdout")
    if path not in lines[0]:
        return Verdict(case, run, "the message does not name the file")
    if len(lines[0]) > len(path) + 400:
        return Verdict(case, run, f"a message of {len(lines[0])} characters")
    return Verdict(case, run, None)


def main(argv: list[str]) -> int:
    """`python tests/cli_fuzz.py COUNT [SEED]`: run COUNT cases, print the tally."""
    import tempfile  # noqa: PLC0415 - only for the one-off run

    count, seed = int(argv[0]), int(argv[1]) if len(argv) > 1 else 22
    tally: Counter[tuple[str, str, str]] = Counter()
    wrong: list[Verdict] = []
    codes: Counter[tuple[str, int]] = Counter()
    with tempfile.TemporaryDirectory() as directory:
        for case in cases(random.Random(seed), count):
            verdict = judge(case, Path(directory))
            suffix = Path(case.name).suffix
            tally[case.kind, case.option, suffix] += 1
            codes[case.kind, verdict.run.code if verdict.run else -1] += 1
            if verdict.problem is not None:
                wrong.append(verdict)
    for (kind, option, suffix), number in sorted(tally.items()):
        print(f"{kind:9} {option:11} {suffix:6} {number:6}")
    print("exit codes by class:", dict(sorted(codes.items())))
    tracebacks = sum(1 for v in wrong if v.problem and v.problem.startswith("traceback"))
    print(f"{count} cases, {len(wrong)} wrong answers, {tracebacks} tracebacks")
    for verdict in wrong[:20]:
        print(
            f"  {verdict.case.option} {verdict.case.name} ({verdict.case.why}): {verdict.problem}"
        )
        if verdict.run is not None:
            print(f"    {verdict.run.err[:300]!r}")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
