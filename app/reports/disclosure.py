"""Disclosure control for every report: the only place that decides what may be published.

Pages, the CSV download and ``flask reports export`` all pass their numbers through here.
The rules, in the order they are applied:

1. **Pooling small groups at the finest level** (``pool_small_cells``). Counts arrive as a
   cube of fine cells (e.g. instrument × month × band × centre × age band × sector). Within
   each fixed group (e.g. one instrument, month and band) a fine cell with 1..k−1 people
   has its detail attributes generalised one at a time, coarsest first (screening: age
   band, then sector; activity: the service), and only whatever is still under k after
   that loses its centre too (counted for the whole network only); whatever is *still*
   under k is left out. Generalising one attribute at a time keeps more people in their
   centre's numbers than dropping the centre early. The result depends only
   on the data, never on the query, and every remaining cell holds 0 or ≥ k people.

   Why this defeats differencing: every number any view publishes is a sum of these
   pooled cells, chosen by the view's filters. For two overlapping views (centre X with
   all sectors vs centre X with sector A; a quarter vs one of its months; the network vs
   one centre) the larger minus the smaller is again a sum of whole pooled cells, so it
   is 0 or ≥ k: no subtraction, however many views are combined, isolates fewer than k
   people, so nobody's band can be singled out. The cost is that a view's totals can be a
   little below the true totals (left-out groups); pages say so.

2. **Primary suppression** (``protect_table``): any published count from 1 to k−1 is
   replaced by the suppressed marker, and so is every percentage or median whose base is
   under k. (After step 1 this cannot happen for pooled counts; it is kept as a second
   line, and it is what protects any table built from raw counts.)

3. **Complementary suppression** (``protect_table``): a table is published with its row
   totals, column totals and grand total. Suppressed cells are unknowns in the linear
   equations "row sums to its total" and "column sums to its total". A suppressed cell can
   be solved exactly from those equations unless it lies on a cycle of suppressed cells
   (rows and columns as the nodes of a bipartite graph, suppressed cells as edges): a cell
   on no cycle is a bridge, and a bridge's value follows from its row or column. So while
   any suppressed cell (margins included) is a bridge, a rectangle of further cells through
   it is suppressed, choosing the one that hides the smallest counts. When no bridge is
   left, every suppressed cell has a range of possible values.

4. **No false zero** (``protect_table(..., present=...)``): a view cell whose people were
   all pooled away (moved to "other or not known", to "several services", or left out)
   would otherwise read 0, and a reader would plan on "nobody". Such a cell (margins
   included) is shown as the suppressed marker with its own explanation ("pooled"), never
   as 0. Only the fact "at least one" is used, which primary suppression already shows for
   every count of 1..k−1; the published totals never contain these people, so the marker
   hides nothing that the margins could solve.

5. A view whose grand total is under k (which after step 1 means 0) is not shown at all;
   the page says there is too little data, the same words whether the true number is 0
   or a few, so the notice itself reveals nothing.

6. **Finished months only** (``services.parse_period``): a month is reported once it is over
   (with a day's grace), and its pooled cube is then kept unchanged. Reading the same view
   before and after one more result arrives would otherwise be a differencing attack over
   time; a finished month never changes, so there is nothing to subtract.

The suppressed marker is ``None`` here and a neutral dash on the pages and in exports,
never a range such as "<5".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, Subquery, case, func, literal_column, select

DEFAULT_K = 5
UNKNOWN = ""  # a generalised attribute ("not given")
ANY_SERVICE = "*"  # a generalised service ("several services, pooled")


Cell = tuple[Hashable, ...]


def pool_small_cells(cells: Mapping[Cell, int], stages: Sequence[Mapping[int, Hashable]],
                     k: int) -> dict[Cell, int]:
    """Generalise fine cells under ``k`` stage by stage; drop what stays under ``k``.

    ``stages`` maps key positions to the value they take when generalised; each stage adds
    to the previous ones. Positions never named (the fixed group) are never changed.
    """
    current: dict[Cell, int] = defaultdict(int)
    for key, n in cells.items():
        if n > 0:
            current[tuple(key)] += n
    applied: dict[int, Hashable] = {}
    for stage in stages:
        applied.update(stage)
        moved: dict[Cell, int] = defaultdict(int)
        for key, n in current.items():
            if n >= k:
                moved[key] += n
            else:
                general = list(key)
                for position, value in applied.items():
                    general[position] = value
                moved[tuple(general)] += n
        current = moved
    return {key: n for key, n in current.items() if n >= k}


def pooled_cells_sql(fine: Select[*tuple[Any, ...]], keys: Sequence[str],
                     stages: Sequence[Mapping[str, str | int]], k: int) -> Subquery:
    """``pool_small_cells`` done by the database, so a report costs cells, not rows.

    ``fine`` selects the key columns and ``n``; the result has the same columns, holds
    only cells of at least ``k`` and equals ``pool_small_cells`` on the same data (a
    test checks this on both databases).
    """
    threshold: ColumnElement[int] = literal_column(str(int(k)))
    current = fine.subquery()
    applied: dict[str, str | int] = {}
    for stage in stages:
        applied.update(stage)
        columns = []
        for name in keys:
            column: ColumnElement[Any] = current.c[name]
            if name in applied:
                value = applied[name]
                general: ColumnElement[Any] = literal_column(
                    repr(value) if isinstance(value, str) else str(value))
                column = case((current.c.n < threshold, general), else_=column)
            columns.append(column.label(name))
        current = (select(*columns, func.sum(current.c.n).label("n"))
                   .group_by(*[c.element for c in columns]).subquery())
    return select(current).where(current.c.n >= threshold).subquery()


@dataclass(frozen=True)
class ProtectedTable:
    """A table ready to publish: ``None`` marks a suppressed cell everywhere."""

    cells: list[list[int | None]]
    row_totals: list[int | None]
    col_totals: list[int | None]
    total: int | None
    # Cells (extended coordinates: row n = column totals, column n = row totals) whose
    # people were all pooled away: None like a suppressed cell, explained differently.
    pooled: frozenset[tuple[int, int]] = frozenset()

    def is_pooled(self, i: int, j: int) -> bool:
        """True when cell (i, j) is hidden because its people were pooled away."""
        return (i, j) in self.pooled

    @property
    def shown(self) -> bool:
        """False when the whole view is below k (show the notice instead)."""
        return self.total is not None and self.total > 0

    def published(self) -> list[int]:
        """Every number this table shows (for checks)."""
        values = [v for row in self.cells for v in row] + self.row_totals + self.col_totals
        return [v for v in [*values, self.total] if v is not None]


def is_primary(value: int, k: int) -> bool:
    """A count that may never be shown: 1..k−1."""
    return 0 < value < k


def protect_table(matrix: Sequence[Sequence[int]], k: int,
                  present: Sequence[Sequence[int]] | None = None, *,
                  width: int | None = None) -> ProtectedTable:
    """Primary and complementary suppression of a table with its margins.

    ``matrix`` holds the pooled counts; ``present`` (same shape, optional) the true counts
    before pooling, used only to tell "nobody" from "pooled away" (rule 4). ``width`` is the
    number of columns, so that a table with no rows yet (a new network) still has its
    column totals.
    """
    rows = [list(map(int, row)) for row in matrix]
    n_rows = len(rows)
    n_cols = len(rows[0]) if rows else (width or 0)
    if n_rows == 0 or n_cols == 0:
        return ProtectedTable([[] for _ in rows], [0] * n_rows, [0] * n_cols, 0)
    row_totals = [sum(row) for row in rows]
    col_totals = [sum(rows[i][j] for i in range(n_rows)) for j in range(n_cols)]
    total = sum(row_totals)
    # The extended table: the last row holds column totals, the last column row totals.
    ext = [[*row, row_totals[i]] for i, row in enumerate(rows)] + [[*col_totals, total]]
    hidden = {(i, j) for i in range(n_rows + 1) for j in range(n_cols + 1)
              if is_primary(ext[i][j], k)}
    hidden = complete_suppression(ext, hidden)
    pooled = pooled_away(ext, present, hidden)
    hidden |= pooled
    cells = [[None if (i, j) in hidden else ext[i][j] for j in range(n_cols)]
             for i in range(n_rows)]
    return ProtectedTable(
        cells,
        [None if (i, n_cols) in hidden else row_totals[i] for i in range(n_rows)],
        [None if (n_rows, j) in hidden else col_totals[j] for j in range(n_cols)],
        None if (n_rows, n_cols) in hidden else total,
        frozenset(pooled),
    )


def pooled_away(ext: Sequence[Sequence[int]], present: Sequence[Sequence[int]] | None,
                hidden: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """Cells of the extended table that would print 0 although someone is behind them."""
    if present is None:
        return set()
    rows = [list(map(int, row)) for row in present]
    n_rows, n_cols = len(rows), len(rows[0])
    true_ext = [[*row, sum(row)] for row in rows]
    true_ext.append([sum(rows[i][j] for i in range(n_rows)) for j in range(n_cols)]
                    + [sum(map(sum, rows))])
    return {(i, j) for i in range(n_rows + 1) for j in range(n_cols + 1)
            if (i, j) not in hidden and ext[i][j] == 0 and true_ext[i][j] > 0}


def complete_suppression(ext: Sequence[Sequence[int]],
                         hidden: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """Suppress more cells of an extended table until no suppressed cell is a bridge."""
    hidden = set(hidden)
    n_rows, n_cols = len(ext), len(ext[0])
    biggest = max((v for row in ext for v in row), default=0) + 1

    def cost(cell: tuple[int, int]) -> int:
        if cell in hidden:
            return 0
        value = ext[cell[0]][cell[1]]
        return value if value > 0 else biggest  # hide small non-zero counts first

    while True:
        bridge = next(iter(sorted(bridges(hidden))), None)
        if bridge is None:
            return hidden
        i, j = bridge
        best: tuple[int, int, int] | None = None
        for i2 in range(n_rows):
            if i2 == i:
                continue
            for j2 in range(n_cols):
                if j2 == j:
                    continue
                price = cost((i, j2)) + cost((i2, j)) + cost((i2, j2))
                if best is None or price < best[0]:
                    best = (price, i2, j2)
        assert best is not None  # an extended table has at least 2 rows and 2 columns
        _, i2, j2 = best
        hidden |= {(i, j2), (i2, j), (i2, j2)}


def bridges(edges: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """Suppressed cells whose value follows from the line equations (bridges of the graph)."""
    graph: dict[tuple[str, int], list[tuple[tuple[str, int], tuple[int, int]]]] = (
        defaultdict(list))
    for i, j in edges:
        graph[("r", i)].append((("c", j), (i, j)))
        graph[("c", j)].append((("r", i), (i, j)))
    order: dict[tuple[str, int], int] = {}
    low: dict[tuple[str, int], int] = {}
    found: set[tuple[int, int]] = set()
    counter = 0
    for root in sorted(graph):
        if root in order:
            continue
        order[root] = low[root] = counter
        counter += 1
        stack: list[tuple[tuple[str, int], tuple[int, int] | None,
                          Iterator[tuple[tuple[str, int], tuple[int, int]]]]] = [
            (root, None, iter(graph[root]))]
        while stack:
            node, via, neighbours = stack[-1]
            advanced = False
            for other, edge in neighbours:
                if edge == via:
                    continue
                if other in order:
                    low[node] = min(low[node], order[other])
                else:
                    order[other] = low[other] = counter
                    counter += 1
                    stack.append((other, edge, iter(graph[other])))
                    advanced = True
                    break
            if not advanced:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > order[parent] and via is not None:
                        found.add(via)
    return found


def percent(part: int | None, base: int | None, k: int) -> float | None:
    """A percentage, or None when either number is suppressed or the base is under k."""
    if part is None or base is None or base < k:
        return None
    return round(100.0 * part / base, 1)


def median(histogram: Mapping[int, int], base: int | None, k: int) -> float | None:
    """The median of a histogram (value -> count), or None when its base is under k.

    ``base`` is the published count the median describes; both it and the histogram's own
    count must reach k.
    """
    count = sum(n for n in histogram.values() if n > 0)
    if base is None or base < k or count < k:
        return None
    values = sorted((v, n) for v, n in histogram.items() if n > 0)

    def at(rank: int) -> int:
        seen = 0
        for value, n in values:
            seen += n
            if seen > rank:
                return value
        return values[-1][0]

    if count % 2:
        return float(at(count // 2))
    return (at(count // 2 - 1) + at(count // 2)) / 2
