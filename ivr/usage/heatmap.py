"""The hour of the week as a heat map, in SVG written here: pygal draws no heat map (its
Dot chart sizes dots, which 168 of them make hard to compare), so this is a grid of
rectangles, darker where more calls came, each with its count written in it for print."""

from __future__ import annotations

from html import escape

from ivr.usage.disclosure import NOT_SHOWN, Table, fewer_than

CELL_W, CELL_H, LEFT, TOP = 36, 30, 48, 44


def heatmap(table: Table, title: str) -> str:
    counts = [table.cell(r, c) for r in table.rows for c in table.columns]
    highest = max((n for n in counts if isinstance(n, int)), default=0) or 1
    width = LEFT + CELL_W * len(table.columns) + 8
    height = TOP + CELL_H * len(table.rows) + 28
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="heatmap" role="img" '
             f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
             f'<title>{escape(title)}</title>',
             f'<text x="{LEFT}" y="16" font-size="15">{escape(title)}</text>']
    for x, hour in enumerate(table.columns):
        parts.append(f'<text class="hour" x="{LEFT + CELL_W * x + CELL_W / 2}" y="{TOP - 6}" '
                     f'text-anchor="middle">{escape(hour)}</text>')
    for y, day in enumerate(table.rows):
        top = TOP + CELL_H * y
        parts.append(f'<text class="day" x="{LEFT - 6}" y="{top + CELL_H / 2 + 4}" '
                     f'text-anchor="end">{escape(day)}</text>')
        for x, hour in enumerate(table.columns):
            parts.append(_cell(LEFT + CELL_W * x, top, table.cell(day, hour), highest,
                               f"{day} {hour}:00", table.minimum))
    parts.append(f'<text x="{LEFT}" y="{height - 8}">Grey: {fewer_than(table.minimum)} calls '
                 f'(&lt;{table.minimum}), or {NOT_SHOWN} (-) beside such a count.</text></svg>')
    return "".join(parts)


def _cell(x: int, y: int, shown: int | str, highest: int, when: str, minimum: int) -> str:
    """A rectangle shaded by its count (blue, from white); a hidden count is grey and says
    so in words in its title, and in short inside it."""
    if isinstance(shown, int):
        share = shown / highest
        # From white to #0072B2, the first colour of the charts.
        fill = "rgb({},{},{})".format(*(round(255 - (255 - end) * share)
                                        for end in (0x00, 0x72, 0xB2)))
        ink = "#fff" if share > 0.55 else "#000"
        label = f"{shown:,}" if shown else ""
    else:
        fill, ink, label = "#ddd", "#000", "-" if shown == NOT_SHOWN else f"<{minimum}"
    return (f'<g class="cell"><rect x="{x}" y="{y}" width="{CELL_W - 2}" height="{CELL_H - 2}" '
            f'fill="{fill}"><title>{escape(when)}: {escape(str(shown))}</title></rect>'
            f'<text x="{x + CELL_W / 2 - 1}" y="{y + CELL_H / 2 + 4}" text-anchor="middle" '
            f'fill="{ink}">{escape(label)}</text></g>')
