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


# Sizes in CSS px (the SVG is drawn at 1 user unit = 1 px = 0.75 pt): every text is ≥ 11 px = 8.25 pt (issue 11:
# labels ≥ 8 pt). Values are printed in their own column right of the plot, so no reference line crosses them.
TEXT_PX = 11
LABEL_CHARS_PER_LINE = 12


def _label_lines(label: str) -> list[str]:
    """An indicator label in lines of ≤ 12 characters (two at most; a longer one ends with "…")."""
    if len(label) <= LABEL_CHARS_PER_LINE:
        return [label]
    first, rest = label[:LABEL_CHARS_PER_LINE], label[LABEL_CHARS_PER_LINE:]
    if len(rest) > LABEL_CHARS_PER_LINE:
        rest = rest[: LABEL_CHARS_PER_LINE - 1] + "…"
    return [first, rest]


def completion_bar_chart(
    labels: Sequence[str], series: Sequence[BarSeries], *, pace: Decimal | None = None, width: float = 640
) -> str:
    """An inline <svg> (width in CSS px) of 完成率 per indicator and 片区."""
    label_w, value_w, top, bar_h, gap = 150.0, 62.0, 40.0, 13.0, 9.0
    group_h = max(bar_h * max(len(series), 1), 2 * TEXT_PX + 4) + gap
    plot_w = width - label_w - value_w - 8
    height = top + group_h * len(labels) + 26
    scale_end = _scale_max(series) if series else Decimal(1)

    def x_of(rate: Decimal) -> float:
        return label_w + plot_w * float(min(rate, scale_end) / scale_end)

    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{_f(width)}" height="{_f(height)}" '
        f'viewBox="0 0 {_f(width)} {_f(height)}" font-family="{FONT}" font-size="{TEXT_PX}" role="img">'
    ]
    # Legend.
    x = label_w
    for index, s in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        out.append(f'<rect x="{_f(x)}" y="8" width="11" height="11" fill="{colour}"/>')
        out.append(f'<text x="{_f(x + 15)}" y="18">{escape(s.name)}</text>')
        x += 26 + TEXT_PX * len(s.name)
    if pace is not None:
        out.append(
            f'<line x1="{_f(x)}" y1="13.5" x2="{_f(x + 20)}" y2="13.5" stroke="#888" stroke-dasharray="3,2"/>'
            f'<text x="{_f(x + 24)}" y="18">时间进度 {escape(format_percent(pace))}</text>'
        )
    # Axis ticks every 20% (labels under the plot, where no bar is).
    tick = Decimal(0)
    bottom = top + group_h * len(labels)
    while tick <= scale_end:
        tx = x_of(tick)
        out.append(f'<line x1="{_f(tx)}" y1="{_f(top - 4)}" x2="{_f(tx)}" y2="{_f(bottom)}" stroke="#e3e3e3"/>')
        out.append(f'<text x="{_f(tx)}" y="{_f(bottom + 15)}" text-anchor="middle">{int(tick * 100)}%</text>')
        tick += Decimal("0.2")
    values: list[str] = []
    # Bars.
    for row, label in enumerate(labels):
        y0 = top + group_h * row
        lines = _label_lines(label)
        first_y = y0 + (group_h - gap) / 2 - (len(lines) - 1) * (TEXT_PX + 1) / 2 + TEXT_PX / 2 - 1
        tspans = "".join(
            f'<tspan x="{_f(label_w - 6)}" y="{_f(first_y + i * (TEXT_PX + 1))}">{escape(line)}</tspan>'
            for i, line in enumerate(lines)
        )
        out.append(f'<text text-anchor="end">{tspans}</text>')
        for index, s in enumerate(series):
            rate = s.rates[row] if row < len(s.rates) else None
            y = y0 + bar_h * index
            text_y = y + bar_h - 3
            value_x = width - 4
            if rate is None:
                values.append(f'<text x="{_f(value_x)}" y="{_f(text_y)}" text-anchor="end">/</text>')
                continue
            colour = PALETTE[index % len(PALETTE)]
            bar_w = max(x_of(rate) - label_w, 0.5)
            out.append(
                f'<rect x="{_f(label_w)}" y="{_f(y)}" width="{_f(bar_w)}" height="{_f(bar_h - 2)}" fill="{colour}"/>'
            )
            values.append(
                f'<text x="{_f(value_x)}" y="{_f(text_y)}" text-anchor="end" fill="{colour}">'
                f"{escape(format_percent(rate))}</text>"
            )
    # 100% and pace reference lines on top of the bars; they end at the plot's right edge, left of the values.
    x100 = x_of(Decimal(1))
    out.append(f'<line x1="{_f(x100)}" y1="{_f(top - 4)}" x2="{_f(x100)}" y2="{_f(bottom)}" stroke="#c00000"/>')
    if pace is not None:
        xp = x_of(pace)
        out.append(
            f'<line x1="{_f(xp)}" y1="{_f(top - 4)}" x2="{_f(xp)}" y2="{_f(bottom)}" stroke="#888" '
            f'stroke-dasharray="3,2"/>'
        )
    out.extend(values)
    out.append("</svg>")
    return "".join(out)
