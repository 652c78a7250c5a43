"""Server-drawn SVG charts for the PDF reports: plain Python, no JavaScript, no plotting library.

`completion_bar_chart` draws, for every indicator of 附件1, one horizontal bar per 片区 with its 完成率, a line at
100% and a dashed line at the time-pace share (5/12 after 5 of 12 months). Every label is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

from indicators.calculations import format_percent

# Print-friendly colours that stay distinct in greyscale.
PALETTE = ["#1f4e79", "#c55a11", "#548235", "#7f6000", "#7030a0", "#2f5597"]
FONT = "Noto Sans CJK SC"


@dataclass(frozen=True)
class BarSeries:
    """One 片区: its name and a rate per indicator (None = no target, drawn as "/")."""

    name: str
    rates: Sequence[Decimal | None]


def _scale_max(series: Sequence[BarSeries]) -> Decimal:
    """The axis end: 100% unless a rate is higher, then the next 20% step, capped at 200% (longer bars are clipped)."""
    top = max((r for s in series for r in s.rates if r is not None), default=Decimal(1))
    step = Decimal("0.2")
    end = max(Decimal(1), (top / step).to_integral_value(rounding="ROUND_CEILING") * step)
    return min(end, Decimal(2))


def _f(value: float) -> str:
    return f"{value:.1f}"


def completion_bar_chart(
    labels: Sequence[str], series: Sequence[BarSeries], *, pace: Decimal | None = None, width: float = 640
) -> str:
    """An inline <svg> (width in CSS px) of 完成率 per indicator and 片区."""
    label_w, right_pad, top, bar_h, gap = 150.0, 56.0, 34.0, 7.0, 7.0
    group_h = bar_h * max(len(series), 1) + gap
    plot_w = width - label_w - right_pad
    height = top + group_h * len(labels) + 24
    scale_end = _scale_max(series) if series else Decimal(1)

    def x_of(rate: Decimal) -> float:
        return label_w + plot_w * float(min(rate, scale_end) / scale_end)

    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{_f(width)}" height="{_f(height)}" '
        f'viewBox="0 0 {_f(width)} {_f(height)}" font-family="{FONT}" font-size="9">'
    ]
    # Legend.
    x = label_w
    for index, s in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        out.append(f'<rect x="{_f(x)}" y="6" width="10" height="10" fill="{colour}"/>')
        out.append(f'<text x="{_f(x + 14)}" y="15">{escape(s.name)}</text>')
        x += 22 + 10 * len(s.name)
    if pace is not None:
        out.append(
            f'<line x1="{_f(x)}" y1="11" x2="{_f(x + 18)}" y2="11" stroke="#888" stroke-dasharray="3,2"/>'
            f'<text x="{_f(x + 22)}" y="15">时间进度 {escape(format_percent(pace))}</text>'
        )
    # Axis ticks every 20%.
    tick = Decimal(0)
    bottom = top + group_h * len(labels)
    while tick <= scale_end:
        tx = x_of(tick)
        out.append(f'<line x1="{_f(tx)}" y1="{_f(top - 4)}" x2="{_f(tx)}" y2="{_f(bottom)}" stroke="#e3e3e3"/>')
        out.append(f'<text x="{_f(tx)}" y="{_f(bottom + 12)}" text-anchor="middle">{int(tick * 100)}%</text>')
        tick += Decimal("0.2")
    # Bars.
    for row, label in enumerate(labels):
        y0 = top + group_h * row
        out.append(
            f'<text x="{_f(label_w - 6)}" y="{_f(y0 + group_h / 2 + 1)}" text-anchor="end">{escape(label)}</text>'
        )
        for index, s in enumerate(series):
            rate = s.rates[row] if row < len(s.rates) else None
            y = y0 + bar_h * index
            if rate is None:
                out.append(f'<text x="{_f(label_w + 3)}" y="{_f(y + bar_h - 1)}" font-size="7">/</text>')
                continue
            colour = PALETTE[index % len(PALETTE)]
            bar_w = max(x_of(rate) - label_w, 0.5)
            out.append(
                f'<rect x="{_f(label_w)}" y="{_f(y)}" width="{_f(bar_w)}" height="{_f(bar_h - 1)}" fill="{colour}"/>'
            )
            out.append(
                f'<text x="{_f(label_w + bar_w + 3)}" y="{_f(y + bar_h - 1)}" font-size="6.5">'
                f"{escape(format_percent(rate))}</text>"
            )
    # 100% and pace reference lines on top of the bars.
    x100 = x_of(Decimal(1))
    out.append(f'<line x1="{_f(x100)}" y1="{_f(top - 4)}" x2="{_f(x100)}" y2="{_f(bottom)}" stroke="#c00000"/>')
    if pace is not None:
        xp = x_of(pace)
        out.append(
            f'<line x1="{_f(xp)}" y1="{_f(top - 4)}" x2="{_f(xp)}" y2="{_f(bottom)}" stroke="#888" '
            f'stroke-dasharray="3,2"/>'
        )
    out.append("</svg>")
    return "".join(out)
