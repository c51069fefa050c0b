"""A real headless browser for the report tests: Debian's `chromium`, run from its command line.

`.ci/run` installs the package before `make test`; `make test` installs nothing, and on
a machine without the browser the tests that need it are skipped with a reason naming
the package. Each run gets a fresh profile directory, no network of its own (no
background networking, component updates, sync or QUIC), and its console on stderr,
where every `console.*` message, script error and blocked load appears as a
`:CONSOLE` line.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import attrs
import pytest

__all__ = ["CHROMIUM", "Browser", "needs_chromium"]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no headless browser: install Debian's package (apt-get install chromium) to run "
    "the report's browser tests; .ci/run installs it",
)

_FLAGS = (
    "--headless",
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
)
_PROBE = """<script>
const probe = [...document.querySelectorAll("svg.chart")].map(svg => ({
  chart: svg.dataset.chart,
  width: svg.getBoundingClientRect().width,
  height: svg.getBoundingClientRect().height,
  lines: [...svg.querySelectorAll("polyline")].map(p => [p.dataset.series, p.points.numberOfItems]),
  markers: [...svg.querySelectorAll("line.marker")].map(m => m.dataset.marker),
  columns: svg.querySelectorAll("rect.column").length,
  bars: svg.querySelectorAll("rect.bar").length,
}));
const out = document.createElement("pre");
out.id = "probe";
out.textContent = JSON.stringify(probe);
document.body.append(out);
</script>"""


@attrs.frozen
class Browser:
    """Runs chromium on a page with a fresh profile under `scratch`."""

    scratch: Path

    def run(self, page: Path, *flags: str) -> tuple[str, list[str]]:
        """What chromium printed on stdout, and its console lines."""
        if CHROMIUM is None:
            pytest.skip("no chromium")
        profile = self.scratch / f"profile-{len(list(self.scratch.glob('profile-*')))}"
        done = subprocess.run(  # noqa: S603 - the browser found on PATH, our own page
            [CHROMIUM, *_FLAGS, f"--user-data-dir={profile}", *flags, page.as_uri()],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return done.stdout, [line for line in done.stderr.splitlines() if ":CONSOLE" in line]

    def dom(self, page: Path) -> tuple[str, list[str]]:
        """The page's DOM after it rendered, and the console lines."""
        return self.run(page, "--dump-dom")

    def screenshot(self, page: Path, png: Path, size: tuple[int, int]) -> list[str]:
        """A PNG of the page at `size` (width, height) pixels; the console lines."""
        _, console = self.run(page, f"--screenshot={png}", f"--window-size={size[0]},{size[1]}")
        return console

    def charts(self, page: Path) -> list[dict[str, object]]:
        """What the browser measured of each chart: size, points per line, marks, bars.

        A copy of the page gets a script that reads the SVG DOM (`points.numberOfItems`
        counts the points the browser parsed) and writes it into the page, read back
        from `--dump-dom`; the copy's policy allows that one inline script.
        """
        text = page.read_text(encoding="utf-8")
        probed = page.with_name(f"probed-{page.name}")
        policy = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"
        text = re.sub(
            r'(http-equiv="Content-Security-Policy" content=")[^"]*', rf"\g<1>{policy}", text
        )
        probed.write_text(text.replace("</body>", f"{_PROBE}</body>"), encoding="utf-8")
        dom, console = self.dom(probed)
        assert console == [], console
        found = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.DOTALL)
        assert found is not None, dom[-2000:]
        charts: list[dict[str, object]] = json.loads(html.unescape(found.group(1)))
        return charts
