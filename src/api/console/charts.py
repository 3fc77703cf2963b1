"""Bar charts as server-rendered SVG (no script, no external asset); pages show the numbers
as a table next to each chart for screen readers."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH, BAR, GAP, LABEL = 480, 22, 8, 110


def bars(values: Sequence[tuple[str, int | float]], title: str) -> Markup:
    """Horizontal bars, one per (label, value), scaled to the largest value."""
    top = max((v for _, v in values), default=0) or 1
    height = len(values) * (BAR + GAP) + GAP
    room = WIDTH - LABEL - 60
    rows = []
    for i, (label, value) in enumerate(values):
        y = GAP + i * (BAR + GAP)
        length = round(room * value / top) if value else 0
        rows.append(
            f'<text x="0" y="{y + 15}">{escape(label)}</text>'
            f'<rect class="bar" x="{LABEL}" y="{y}" width="{length}" height="{BAR}"></rect>'
            f'<text x="{LABEL + length + 6}" y="{y + 15}">{escape(str(value))}</text>'
        )
    return Markup(  # noqa: S704 - every label and value above is escaped
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {WIDTH} '
        f'{height}" width="{WIDTH}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>{''.join(rows)}</svg>"
    )


def columns(values: Sequence[tuple[str, int]], title: str) -> Markup:
    """Vertical columns, one per (label, value) left to right (days, oldest first), scaled to
    the largest value, which is written at the top; the first and last labels go under it."""
    peak = max((v for _, v in values), default=0)
    top = peak or 1
    chart_h, axis = 120, 18
    step = (WIDTH - 40) / max(len(values), 1)
    cols = []
    for i, (label, value) in enumerate(values):
        length = round(chart_h * value / top) if value else 0
        cols.append(
            f'<rect class="bar" x="{40 + i * step:.1f}" y="{chart_h - length}" '
            f'width="{max(step - 2, 1):.1f}" height="{length}">'
            f"<title>{escape(label)}: {value}</title></rect>"
        )
    ends = (
        f'<text x="40" y="{chart_h + axis - 4}">{escape(values[0][0])}</text>'
        f'<text x="{WIDTH}" y="{chart_h + axis - 4}" text-anchor="end">'
        f"{escape(values[-1][0])}</text>"
        if values
        else ""
    )
    height = chart_h + axis
    return Markup(  # noqa: S704 - every label and value above is escaped
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {WIDTH} '
        f'{height}" width="{WIDTH}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
        f'<title>{escape(title)}</title><text x="0" y="12">{peak}</text>'
        f"{''.join(cols)}{ends}</svg>"
    )
