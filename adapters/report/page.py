"""The page every report shares: one self-contained HTML document, styles inline.

The page loads nothing: its Content-Security-Policy allows no script and no fetch, only
the inline styles, so a browser shows it the same offline, from a mail attachment or a
shared drive.
"""

from __future__ import annotations

import html

__all__ = ["page", "percent_axis"]

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
_STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2430;
  margin: 0 auto; max-width: 960px; padding: 24px; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
p.lead { color: #4a5568; margin: 0 0 16px; }
table { border-collapse: collapse; margin: 8px 0 12px; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { padding: 3px 10px; border-bottom: 1px solid #e2e8f0; white-space: pre; }
th { background: #f7fafc; text-align: left; }
svg.chart { width: 100%; height: auto; display: block; margin: 4px 0 8px; }
svg text { font: 11px system-ui, sans-serif; fill: #4a5568; }
.grid { stroke: #e2e8f0; } .line { fill: none; stroke-width: 1.6; }
polyline.equity { stroke: #2b6cb0; } .key.equity rect { fill: #2b6cb0; }
polyline.benchmark { stroke: #dd6b20; stroke-dasharray: 5 3; }
.key.benchmark rect { fill: #dd6b20; }
.marker.rebalance { stroke: #4a5568; stroke-width: 1; }
.marker.flow-in { stroke: #2f855a; stroke-width: 2; }
.marker.flow-out { stroke: #c53030; stroke-width: 2; }
.column { fill: #2b6cb0; } .bar.current, .key.current rect { fill: #a0aec0; }
.bar.target, .key.target rect { fill: #2b6cb0; }
ul.warnings li { color: #975a16; } details { margin: 2px 0; } summary { cursor: pointer; }
dl { display: grid; grid-template-columns: max-content auto; gap: 2px 12px; }
dt { font-weight: 600; } dd { margin: 0; }
""".strip()


def page(title: str, body: str) -> str:
    """The whole document: `body` under `title`, styles inline, nothing loaded."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{body}</body></html>\n"
    )


def percent_axis(value: float) -> str:
    """A chart axis label for a percentage: `12%`, or `0.25%` below one point."""
    return f"{value:.0f}%" if abs(value) >= 1 or value == 0 else f"{value:.2f}%"
