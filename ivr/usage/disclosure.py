"""Small counts are not shown: a table of counts whose cells from 1 to MINIMUM-1 are
hidden, and whose other cells are hidden too where a total would give a small one away.

A count of 1 to 4 could point at one caller ("the only Tigrinya caller last Tuesday"),
so it is shown as "fewer than 5". Hiding it is not enough where the report also shows a
total: the total minus the parts shown would be the hidden count. So along every line of
cells whose total is shown (a row, a column, the row or column totals and the grand total),
more cells are hidden, the smallest first, until the hidden cells' sum leaves each small
one at least two values (complementary suppression, as statistical offices publish
tables). Such a cell is "not shown": it is 5 or more, hidden for a small one beside it.
Each figure of the report is one table, and a figure that repeats another's totals reads
them from that table, hidden or not: a number is shown the same wherever it appears.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass, field

MINIMUM_SHOWN = 5  # USAGE_MIN_SHOWN: the smallest count shown as it is

# A cell of a table: ("cell", row, column), ("row", row) for a row's total, ("column",
# column) for a column's total, ("total",) for the grand total.
CellId = tuple[Hashable, ...]
Shown = int | str  # the count, or one of the words below
TOTAL: CellId = ("total",)


def fewer_than(minimum: int) -> str:
    return f"fewer than {minimum}"


NOT_SHOWN = "not shown"


@dataclass
class Table:
    """Counts by row and column, with the totals the report shows, and which are hidden."""

    rows: list[str]
    columns: list[str]
    cells: Mapping[tuple[str, str], int]
    minimum: int = MINIMUM_SHOWN
    row_totals: bool = True
    column_totals: bool = True
    total: bool = True
    hidden: set[CellId] = field(default_factory=set, init=False)
    counts: dict[CellId, int] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.counts = add_up(self.rows, self.columns, self.cells)
        self.hidden = protect(self.counts, list(self.lines()), self.minimum)

    def lines(self) -> Iterator[tuple[list[CellId], CellId]]:
        """Each set of shown numbers that adds up to a shown total."""
        cell_ids: list[list[CellId]] = [[("cell", r, c) for c in self.columns]
                                         for r in self.rows]
        if self.row_totals:
            for ids, row in zip(cell_ids, self.rows, strict=True):
                yield ids, ("row", row)
        if self.column_totals:
            for index, column in enumerate(self.columns):
                yield [ids[index] for ids in cell_ids], ("column", column)
        if self.total:
            if self.row_totals:
                yield [("row", r) for r in self.rows], TOTAL
            if self.column_totals:
                yield [("column", c) for c in self.columns], TOTAL
            if not (self.row_totals or self.column_totals):
                yield [i for ids in cell_ids for i in ids], TOTAL

    def shown(self, cell: CellId) -> Shown:
        """The count as the report shows it."""
        value = self.counts[cell]
        if cell not in self.hidden:
            return value
        return fewer_than(self.minimum) if value < self.minimum else NOT_SHOWN

    def cell(self, row: str, column: str) -> Shown:
        return self.shown(("cell", row, column))

    def row_total(self, row: str) -> Shown:
        return self.shown(("row", row))

    def column_total(self, column: str) -> Shown:
        return self.shown(("column", column))

    def grand_total(self) -> Shown:
        return self.shown(TOTAL)

    def column_totals_table(self, name: str = "total") -> Table:
        """The column totals as a table of one column, `name`, hidden as they are here."""
        cells = {(c, name): self.counts["column", c] for c in self.columns}
        table = Table(list(self.columns), [name], cells, self.minimum,
                      row_totals=False, column_totals=self.total, total=False)
        table.hidden = {("cell", c, name) for c in self.columns
                        if ("column", c) in self.hidden}
        if TOTAL in self.hidden:
            table.hidden.add(("column", name))
        return table


def add_up(rows: list[str], columns: list[str],
           cells: Mapping[tuple[str, str], int]) -> dict[CellId, int]:
    """Every cell of a table and its totals."""
    values: dict[CellId, int] = {}
    for row in rows:
        for column in columns:
            values["cell", row, column] = cells.get((row, column), 0)
    for row in rows:
        values["row", row] = sum(values["cell", row, c] for c in columns)
    for column in columns:
        values["column", column] = sum(values["cell", r, column] for r in rows)
    values[TOTAL] = sum(values["row", r] for r in rows)
    return values


def protect(values: Mapping[CellId, int], lines: list[tuple[list[CellId], CellId]],
            minimum: int) -> set[CellId]:
    """The cells to hide: every count from 1 to minimum-1, and then, while the shown
    numbers pin a small one to a single value, the smallest count shown beside a hidden
    one that frees it (or, when none does alone, the smallest such count)."""
    hidden = {cell for cell, value in values.items() if 0 < value < minimum}
    while (pinned := _pinned(values, lines, hidden, minimum)) is not None:
        # A 0 only when nothing else is left: "fewer than 5" is true of it too, and the
        # reader can then no longer count on each hidden count being 1 or more.
        beside = {p for parts, total in lines if hidden.intersection((*parts, total))
                  for p in (*parts, total) if p not in hidden}
        shown = sorted([p for p in beside if values[p] > 0] or beside,
                       key=lambda p: (values[p], str(p)))
        if not shown:
            break
        freeing = (p for p in shown[:TRIES] if _pinned(values, lines, hidden | {p}, minimum)
                   != pinned)
        hidden.add(next(freeing, shown[0]))
    return hidden


TRIES = 24  # the smallest counts tried for one that frees a pinned one, before hiding one


def _pinned(values: Mapping[CellId, int], lines: list[tuple[list[CellId], CellId]],
            hidden: set[CellId], minimum: int) -> CellId | None:
    """A small hidden count the shown ones pin to a single value, if any.

    What a reader knows: each "fewer than" count is 1 to minimum-1 (0 to minimum-1 once a
    0 is hidden), each "not shown" one at least minimum, and every line adds up. Each line
    narrows the range of each of its hidden counts to what the others leave (bounds
    propagation), until one is pinned or nothing changes."""
    unbounded = sum(values.values()) + 1
    floor = 0 if any(values[c] == 0 for c in hidden) else 1
    small = {c for c in hidden if values[c] < minimum}
    low = {c: floor if c in small else minimum for c in hidden}
    high = {c: minimum - 1 if c in small else unbounded for c in hidden}
    # Each line as: its hidden counts with their sign, and the sum of its shown ones
    # (parts +, total -), the hidden ones' signed sum being minus that.
    equations = []
    for parts, total in lines:
        signed = [(p, 1) for p in parts] + [(total, -1)]
        unknown = [(c, sign) for c, sign in signed if c in hidden]
        if unknown:
            equations.append((unknown, -sum(sign * values[c] for c, sign in signed
                                            if c not in hidden)))
    changed = True
    while changed:
        changed = False
        for unknown, target in equations:
            least = sum(low[c] if sign > 0 else -high[c] for c, sign in unknown)
            most = sum(high[c] if sign > 0 else -low[c] for c, sign in unknown)
            for c, sign in unknown:
                # sign * c = target less the others, which lie between least and most less
                # its own part
                own_least = low[c] if sign > 0 else -high[c]
                own_most = high[c] if sign > 0 else -low[c]
                bound_low = target - (most - own_most)
                bound_high = target - (least - own_least)
                new_low, new_high = ((bound_low, bound_high) if sign > 0
                                     else (-bound_high, -bound_low))
                if new_low > low[c] or new_high < high[c]:
                    low[c], high[c] = max(low[c], new_low), min(high[c], new_high)
                    if c in small and low[c] >= high[c]:
                        return c
                    changed = True
    return None
