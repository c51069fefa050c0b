"""The secret scrubber hides whole tokens, never letters inside words (issue 22, item 10).

With `APCA_API_KEY_ID=x` it used to mask every `x` ("Ma*** retries e***ceeded") and cut
the detail at 300 characters mid-word. A key that is a whole token is still hidden in
every rendering; a key long enough to be unmistakable (as Alpaca's are) is hidden
wherever it appears.
"""

from __future__ import annotations

from decimal import Decimal

from alpaca_server import AlpacaServer, Fault, closed_port_url
from hypothesis import assume, given
from hypothesis import strategies as st

from adapters.alpaca import AlpacaBroker
from adapters.alpaca.failure import hide, redact, renderings, shortened
from portfolio import Action, ErrorKind, OrderIntent

D = Decimal

KEY, SECRET = "x", "shortSECRET/0123456789abcdefghijklmnop"


def test_a_one_letter_key_leaves_the_words_that_contain_it_whole() -> None:
    broker = AlpacaBroker(KEY, SECRET, trading_url=closed_port_url(), timeout=1.0)
    error = broker.get_snapshot(["SPY"]).failure()
    broker.close()
    assert error.kind is ErrorKind.BROKER_UNAVAILABLE
    assert "Max retries exceeded" in error.context["detail"]
    assert "*" not in error.context["detail"]


def test_a_one_letter_key_that_alpaca_echoes_is_hidden_and_the_words_are_kept() -> None:
    refusal = {"code": 40310000, "message": "key x may not trade (max exceeded)"}
    with AlpacaServer(KEY, SECRET) as server:
        server.trades["SPY"] = 100.0
        server.fail("/v2/orders", Fault.json(refusal, status=403))
        broker = AlpacaBroker(KEY, SECRET, trading_url=server.url, data_url=server.url)
        error = broker.submit_order(
            OrderIntent(client_order_id="rb-x", symbol="SPY", side=Action.BUY, quantity=D(1))
        ).failure()
        broker.close()
    assert error.message == "Alpaca rejected the order: key *** may not trade (max exceeded)"


def test_whole_tokens_are_hidden_and_words_are_not_touched() -> None:
    text = "Max retries exceeded: key x, 'x', \"x\" ?k=x&y=1 x/x (x) extra x"
    assert hide(text, ("x",)) == (
        "Max retries exceeded: key ***, '***', \"***\" ?k=***&y=1 ***/*** (***) extra ***"
    )


def test_an_unmistakable_secret_is_hidden_even_inside_a_word() -> None:
    assert hide(f"token{SECRET}tail and \\n{SECRET}", (SECRET,)) == "token***tail and \\n***"


def test_a_long_detail_is_cut_between_words_and_says_so() -> None:
    text = " ".join(["exceeded"] * 60)  # 539 characters
    cut = redact(text, ("x",))
    assert len(cut) <= 300
    assert cut.endswith("exceeded …")
    assert all(word == "exceeded" for word in cut.removesuffix(" …").split(" "))
    assert redact("short enough", ("x",)) == "short enough"


def test_a_detail_without_spaces_is_cut_at_the_limit() -> None:
    assert shortened("y" * 400, 300) == "y" * 298 + " …"


WORD = st.text(st.characters(categories=["L", "Nd"]), min_size=1, max_size=12)
GAP = st.sampled_from([" ", ", ", "'", '"', "=", "&", "/", ": ", "(", ")", "\n", "?k="])
PIECE = st.one_of(
    st.tuples(st.just("secret"), st.integers(min_value=0, max_value=20)),
    st.tuples(st.just("word"), WORD),
    st.tuples(st.just("glued"), WORD),
)


@given(
    secret=st.text(st.characters(categories=["L", "Nd"]), min_size=1, max_size=15),
    pieces=st.lists(st.tuples(PIECE, GAP), max_size=10),
)
def test_a_short_secret_is_hidden_as_a_token_in_every_rendering_and_nowhere_else(
    secret: str, pieces: list[tuple[tuple[str, object], str]]
) -> None:
    """Every rendering standing between separators goes; a word containing it stays as is."""
    forms = renderings(secret)
    assume(all(secret not in str(value) for (kind, value), _ in pieces if kind != "secret"))
    assume(all(secret not in gap for _, gap in pieces))  # "?k=" holds the secret "k" itself
    shown, expected = "", ""
    for (kind, value), gap in pieces:
        match kind:
            case "secret":
                shown, expected = shown + forms[int(str(value)) % len(forms)], expected + "***"
            case "word":
                shown, expected = shown + str(value), expected + str(value)
            case _:  # glued to a word: part of a longer token, not the secret
                shown, expected = shown + f"{value}{secret}", expected + f"{value}{secret}"
        shown, expected = shown + gap, expected + gap
    assert hide(shown, (secret,)) == expected
