r"""What a command talks to: two text streams and the environment, plus the exit codes.

Commands receive a `Terminal` instead of reaching for `sys.stdout` and `os.environ`,
so tests hand them a `StringIO` and a plain dict.

Every line a command says, warns or asks passes through `visible`: a symbol is any text
without whitespace, so a file's symbol may hold an escape sequence (`\x1b[2J` clears
the screen), a bell or a right-to-left override that would reorder the table. Such a
character is written as its escape (`\x1b`), the rest as it is.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from typing import TextIO

import attrs

__all__ = ["ExitCode", "InputError", "PromptInterrupted", "Terminal", "one_line", "visible"]

#: What a terminal would act on rather than show: C0 controls but tab and line feed,
#: DEL, C1 controls, and the bidirectional marks, embeddings, overrides and isolates.
_UNSHOWN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    r"""`text` with each character a terminal would act on written as its escape.

    >>> visible("SPY\x1b[31m \u202eok\ttab")
    'SPY\\x1b[31m \\u202eok\ttab'
    """
    if _UNSHOWN.search(text) is None:
        return text
    return _UNSHOWN.sub(lambda found: found[0].encode("unicode_escape").decode("ascii"), text)


def one_line(text: str) -> str:
    r"""`text` with its line feeds written as `\n`: a file's value named in a one-line message.

    `visible` keeps line feeds (a table has them), so an account id holding one would
    break a message in two, and its second line could read as a message of its own.

    >>> one_line("a\nerror: forged")
    'a\\nerror: forged'
    """
    return text.replace("\n", "\\n")


class ExitCode(enum.IntEnum):
    """The process exit status of every command."""

    OK = 0
    #: The library returned a Failure (a `PortfolioError`): printed as one line.
    FAILURE = 1
    #: The command line or an input file is wrong: printed as one line naming the place.
    USAGE = 2
    #: Interrupted by Ctrl-C: 128 + SIGINT, one line on stderr and no traceback.
    INTERRUPTED = 130
    #: The reader of stdout went away (`portfolio demo | head`): 128 + SIGPIPE, silently.
    BROKEN_PIPE = 141


@attrs.frozen(kw_only=True)
class Terminal:
    """Where a command writes (`out` for results, `err` for messages and progress) and reads env."""

    out: TextIO
    err: TextIO
    environ: Mapping[str, str] = attrs.field(factory=dict)
    #: Where answers to questions are read from (stdin); None: no one to ask.
    ask: TextIO | None = None

    def say(self, text: str) -> None:
        """Write a result (a table, JSON) to `out`."""
        text = visible(text)
        self.out.write(text if text.endswith("\n") else text + "\n")

    def warn(self, text: str) -> None:
        """Write a one-line message to `err`."""
        self.err.write(visible(text) + "\n")

    def confirm(self, question: str) -> bool:
        """Ask on `err`, read one line from `ask`: True only for y or yes.

        The prompt's line is always ended: by the echo of the answer typed on a terminal,
        or else by a newline written here (an answer piped in, end of input, Ctrl-C), so
        what follows (`not confirmed`, `interrupted`) starts a line of its own.
        """
        self.err.write(f"{visible(question)} [y/N] ")
        self.err.flush()
        try:
            answer = self.ask.readline() if self.ask is not None else ""
        except KeyboardInterrupt:
            self.err.write("\n")
            raise PromptInterrupted from None
        echoed = self.ask is not None and self.ask.isatty() and answer.endswith("\n")
        if not echoed:
            self.err.write("\n")
        return answer.strip().lower() in {"y", "yes"}


class PromptInterrupted(KeyboardInterrupt):
    """Ctrl-C while a question waited for its answer; the prompt's line is already ended."""


@attrs.frozen(kw_only=True)
class InputError:
    """A bad command line or input file, found before the library is called (exit code 2).

    `source` names the file (or the option), `where` the place inside it (a key path such
    as `positions.SPY`, or `line 3`), `problem` what is wrong with it.
    """

    source: str
    problem: str
    where: str = ""

    def __str__(self) -> str:
        """One line: `source: where: problem`."""
        place = f"{self.where}: " if self.where else ""
        return f"{self.source}: {place}{self.problem}"
