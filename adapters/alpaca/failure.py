"""The adapter's one internal exception, and the errors it carries.

Inside the adapter a failed step raises `BrokerFailure` so the reading code stays
straight-line; `AlpacaBroker.get_snapshot` is the only place that catches it and
returns its `PortfolioError` in a `Failure`. It never leaves the package.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote, quote_plus

from portfolio.records.errors import ErrorKind, PortfolioError

__all__ = [
    "BrokerFailure",
    "bad_response",
    "hide",
    "redact",
    "renderings",
    "scrubbed",
    "shortened",
]


_PERCENT = re.compile(r"%[0-9A-F]{2}")
#: A secret this long or longer is hidden wherever it appears; a shorter one as a token.
_UNMISTAKABLE = 16
_LONGEST_DETAIL = 300
_CUT = " …"
_WORD = re.compile(r"[^\W_]")  # a letter or a digit
_NOT_AFTER_WORD, _NOT_BEFORE_WORD = r"(?<![^\W_])", r"(?![^\W_])"


class BrokerFailure(Exception):  # noqa: N818 - it carries a failure value, it is not an error type
    """Carries a `PortfolioError` from a failed step to the adapter's boundary."""

    def __init__(self, error: PortfolioError) -> None:
        """Wrap `error`."""
        super().__init__(error.kind.name)
        self.error = error

    def shown(self, secrets: tuple[str, ...]) -> PortfolioError:
        """The error as it may leave the adapter: every rendering of `secrets` hidden."""
        return scrubbed(self.error, secrets)


def bad_response(endpoint: str, problem: str, **context: object) -> BrokerFailure:
    """A response that cannot be read: wrong status, not JSON, a field missing or mistyped."""
    return BrokerFailure(
        PortfolioError.of(
            ErrorKind.BROKER_BAD_RESPONSE,
            f"unreadable response from {endpoint}: {problem}",
            endpoint=endpoint,
            **context,
        )
    )


def redact(text: str, secrets: tuple[str, ...]) -> str:
    r"""`text` with every rendering of every secret replaced by `***`, `shortened` to 300.

    A secret is hidden as written, escaped (`repr`, `ascii`, JSON, bytes) and URL-encoded,
    whichever way a library quoted it into an error message (see `hide`).

    >>> redact("key=PKABC failed", ("PKABC",))
    'key=*** failed'
    >>> redact("header value: 'a\\nb', url ?k=a%0Ab", ("a\nb",))
    "header value: '***', url ?k=***"
    >>> redact("Max retries exceeded for key x", ("x",))
    'Max retries exceeded for key ***'
    """
    return shortened(hide(text, secrets), _LONGEST_DETAIL)


def hide(text: str, secrets: tuple[str, ...]) -> str:
    """`text` with every rendering of every secret replaced by `***`, whole.

    A secret of at least 16 characters (Alpaca's keys are 20 and 40) cannot be mistaken
    for anything else: it is hidden wherever it appears, glued to other text or not. A
    shorter one is hidden only where it stands as a whole token, not inside a longer run
    of letters and digits: a key `x` must not turn "exceeded" into "e***ceeded".
    """
    for secret in secrets:
        unmistakable = len(secret) >= _UNMISTAKABLE
        for shown in renderings(secret):
            text = _token(shown, anywhere=unmistakable).sub("***", text)
    return text


def shortened(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters between words, ending ` …` when cut.

    >>> shortened("one two three", 20), shortened("one two three", 10)
    ('one two three', 'one two …')
    """
    if len(text) <= limit:
        return text
    cut = text[: limit - len(_CUT)]
    space = cut.rfind(" ")
    if space > limit // 2:  # a word is left whole unless that would drop half the text
        cut = cut[:space]
    return cut.rstrip() + _CUT


def _token(shown: str, *, anywhere: bool) -> re.Pattern[str]:
    """A pattern for `shown`; unless `anywhere`, not where a letter or digit goes on."""
    body = re.escape(shown)
    if anywhere:
        return re.compile(body)
    before = _NOT_AFTER_WORD if _WORD.fullmatch(shown[0]) else ""
    after = _NOT_BEFORE_WORD if _WORD.fullmatch(shown[-1]) else ""
    return re.compile(before + body + after)


def scrubbed(error: PortfolioError, secrets: tuple[str, ...]) -> PortfolioError:
    """`error` with every secret hidden from its message and context (the last check out).

    A server may echo anything, a key included, in a field name or a symbol that ends up
    in an error: whatever built the text, nothing leaves the adapter unscrubbed.
    """
    return PortfolioError(
        kind=error.kind,
        message=hide(error.message, secrets),
        context={key: hide(value, secrets) for key, value in error.context.items()},
    )


def renderings(secret: str) -> tuple[str, ...]:
    """Every spelling of `secret` an error text may contain, longest first (never empty).

    >>> renderings("a b")
    ('a%20b', 'a b', 'a+b')
    """
    if not secret:
        return ()
    encoded = secret.encode("utf-8", "surrogatepass")
    forms = {
        secret,
        repr(secret)[1:-1],
        ascii(secret)[1:-1],
        json.dumps(secret)[1:-1],
        repr(encoded)[2:-1],
        quote(encoded, safe=""),
        quote(encoded, safe="/"),
        quote_plus(encoded),
    }
    percent = {_PERCENT.sub(lambda hit: hit.group().lower(), form) for form in forms}
    return tuple(sorted(forms | percent, key=lambda form: (-len(form), form)))
