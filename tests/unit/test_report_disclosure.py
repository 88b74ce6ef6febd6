"""Disclosure control: suppression, complementary suppression, pooling and differencing."""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.reports.disclosure import (
    bridges,
    median,
    percent,
    pool_small_cells,
    protect_table,
)

K = 5


# -- an independent check: can a suppressed cell be solved from what is published? ----------
def _rank(rows: list[list[Fraction]]) -> int:
    """Rank by exact Gaussian elimination (no floating point doubts)."""
    m = [r[:] for r in rows]
    rank, cols = 0, len(m[0]) if m else 0
    for c in range(cols):
        pivot = next((r for r in range(rank, len(m)) if m[r][c] != 0), None)
        if pivot is None:
            continue
        m[rank], m[pivot] = m[pivot], m[rank]
        for r in range(len(m)):
            if r != rank and m[r][c] != 0:
                f = m[r][c] / m[rank][c]
                m[r] = [a - f * b for a, b in zip(m[r], m[rank], strict=True)]
        rank += 1
    return rank


def solvable_cells(matrix: list[list[int]], table) -> set[tuple[int, int]]:
    """Suppressed cells (margins included) whose value the line equations pin down."""
    n_rows, n_cols = len(matrix), len(matrix[0])
    ext_hidden = []
    for i in range(n_rows):
        for j in range(n_cols):
            if table.cells[i][j] is None:
                ext_hidden.append((i, j))
        if table.row_totals[i] is None:
            ext_hidden.append((i, n_cols))
    for j in range(n_cols):
        if table.col_totals[j] is None:
            ext_hidden.append((n_rows, j))
    if table.total is None:
        ext_hidden.append((n_rows, n_cols))
    # A pooled-away cell adds 0 to every published total: a known value, not an unknown.
    ext_hidden = [cell for cell in ext_hidden if not table.is_pooled(*cell)]
    if not ext_hidden:
        return set()
    index = {cell: i for i, cell in enumerate(ext_hidden)}
    equations = []
    for i in range(n_rows + 1):  # each row: cells minus its total is zero
        eq = [Fraction(0)] * len(ext_hidden)
        for j in range(n_cols + 1):
            if (i, j) in index:
                eq[index[(i, j)]] += -1 if j == n_cols else 1
        equations.append(eq)
    for j in range(n_cols + 1):
        eq = [Fraction(0)] * len(ext_hidden)
        for i in range(n_rows + 1):
            if (i, j) in index:
                eq[index[(i, j)]] += -1 if i == n_rows else 1
        equations.append(eq)
    base = _rank(equations)
    solved = set()
    for cell, i in index.items():
        unit = [Fraction(int(x == i)) for x in range(len(ext_hidden))]
        if _rank([*equations, unit]) == base:
            solved.add(cell)
    return solved


matrices = st.integers(1, 5).flatmap(lambda r: st.integers(1, 5).flatmap(
    lambda c: st.lists(st.lists(st.one_of(st.integers(0, 6), st.integers(0, 60)),
                                min_size=c, max_size=c), min_size=r, max_size=r)))


@settings(max_examples=300, deadline=None)
@given(matrices)
def test_no_published_count_is_between_1_and_k_minus_1(matrix):
    table = protect_table(matrix, K)
    assert all(v == 0 or v >= K for v in table.published())


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(matrices)
def test_no_suppressed_cell_can_be_solved_from_published_cells_and_totals(matrix):
    table = protect_table(matrix, K)
    assert solvable_cells(matrix, table) == set()


@settings(max_examples=200, deadline=None)
@given(matrices)
def test_published_numbers_are_the_true_numbers(matrix):
    table = protect_table(matrix, K)
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            assert table.cells[i][j] in (None, value)
        assert table.row_totals[i] in (None, sum(row))
    assert table.total in (None, sum(map(sum, matrix)))


def test_small_count_is_hidden_with_a_partner_in_its_row_and_column():
    table = protect_table([[3, 10, 20], [15, 12, 30], [8, 9, 40]], K)
    assert table.cells[0][0] is None
    assert sum(v is None for v in table.cells[0]) >= 2
    assert sum(table.cells[i][0] is None for i in range(3)) >= 2
    assert table.total == 147


def test_zero_may_be_shown_and_big_tables_stay_untouched():
    table = protect_table([[0, 10], [25, 7]], K)
    assert table.cells == [[0, 10], [25, 7]]
    assert table.total == 42


def test_a_single_small_row_hides_its_total_too():
    table = protect_table([[3]], K)
    assert table.published() == []
    assert not table.shown


def test_bridges_finds_cells_outside_any_cycle():
    assert bridges({(0, 0), (0, 1), (1, 0), (1, 1)}) == set()
    assert bridges({(0, 0), (0, 1)}) == {(0, 0), (0, 1)}


def test_percent_and_median_need_a_base_of_k():
    assert percent(3, 20, K) == 15.0
    assert percent(3, 4, K) is None
    assert percent(None, 20, K) is None
    assert median({1: 3, 2: 1, 5: 2}, 6, K) == 1.5
    assert median({1: 3, 2: 1}, 4, K) is None
    assert median({1: 9}, None, K) is None


# -- pooling and differencing ------------------------------------------------------------------
BANDS = ("a", "b", "c")
CENTRES = (1, 2, 3)
SECTORS = ("s1", "s2", "")
MONTHS = ("2026-01", "2026-02", "2026-03")
STAGES = ({3: "", }, {2: 0})  # (month, band, centre, sector): sector first, then centre

cubes = st.dictionaries(
    st.tuples(st.sampled_from(MONTHS), st.sampled_from(BANDS), st.sampled_from(CENTRES),
              st.sampled_from(SECTORS)),
    st.integers(0, 12), max_size=60)


def view(pooled: dict[tuple, int], band: str, months=MONTHS, centres=None,
         sector: str | None = None) -> int:
    """What a report publishes for one band under some filters."""
    return sum(n for (m, b, c, s), n in pooled.items()
               if b == band and m in months and (centres is None or c in centres)
               and (sector is None or s == sector))


@settings(max_examples=300, deadline=None)
@given(cubes)
def test_pooled_cells_are_zero_or_at_least_k_and_nothing_is_invented(cube):
    pooled = pool_small_cells(cube, STAGES, K)
    assert all(n >= K for n in pooled.values())
    assert sum(pooled.values()) <= sum(cube.values())
    for m, b in itertools.product(MONTHS, BANDS):  # pooling stays inside month and band
        assert sum(n for (pm, pb, _c, _s), n in pooled.items() if (pm, pb) == (m, b)) <= \
            sum(n for (cm, cb, _c, _s), n in cube.items() if (cm, cb) == (m, b))


FILTERS = st.tuples(
    st.sampled_from([MONTHS, MONTHS[:1], MONTHS[1:2], MONTHS[:2]]),
    st.sampled_from([None, (1,), (2,), (1, 2)]),
    st.sampled_from([None, "s1", "s2"]),
)


def _narrower(wide, narrow) -> bool:
    (wm, wc, ws), (nm, nc, ns) = wide, narrow
    return (set(nm) <= set(wm) and (wc is None or (nc is not None and set(nc) <= set(wc)))
            and (ws is None or ns == ws))


@settings(max_examples=400, deadline=None)
@given(cubes, FILTERS, FILTERS, st.sampled_from(BANDS))
def test_two_overlapping_views_never_differ_by_1_to_k_minus_1(cube, first, second, band):
    """Differencing: wide minus narrow (any nested pair of filters) is 0 or at least k."""
    if not _narrower(first, second):
        first, second = second, first
    if not _narrower(first, second):
        return
    pooled = pool_small_cells(cube, STAGES, K)
    difference = view(pooled, band, *first) - view(pooled, band, *second)
    assert difference == 0 or difference >= K


def test_one_person_outside_a_filter_cannot_be_singled_out():
    """Centre 1 all sectors vs centre 1 sector s1: the one s2 person's band stays hidden."""
    crowd = {("2026-01", b, 1, "s1"): 8 for b in BANDS}
    for band in BANDS:
        pooled = pool_small_cells({**crowd, ("2026-01", band, 1, "s2"): 1}, STAGES, K)
        for b in BANDS:
            everyone = view(pooled, b, centres=(1,))
            sector_s1 = view(pooled, b, centres=(1,), sector="s1")
            assert everyone - sector_s1 == 0  # the difference shows nobody at all
    # The same person among four others in the same band is counted (5 is enough).
    pooled = pool_small_cells({**crowd, ("2026-01", "a", 1, "s2"): 1,
                               ("2026-01", "a", 2, "s2"): 4}, STAGES, K)
    assert view(pooled, "a") == 8 + 5


# -- no false zero: a cell whose people were pooled away never reads 0 ---------------------------
def _view_matrix(cells: dict[tuple, int], months, band_list, centre_rows) -> list[list[int]]:
    """Rows: centres (0 = pooled "other"); columns: bands; summed over the months."""
    return [[sum(n for (m, b, c, _s), n in cells.items() if m in months and b == band
                 and c == centre) for band in band_list] for centre in centre_rows]


def ext_values(matrix: list[list[int]]) -> dict[tuple[int, int], int]:
    """Every cell of the extended table (margins included) by its coordinates."""
    n_rows, n_cols = len(matrix), len(matrix[0])
    out = {(i, j): matrix[i][j] for i in range(n_rows) for j in range(n_cols)}
    out.update({(i, n_cols): sum(matrix[i]) for i in range(n_rows)})
    out.update({(n_rows, j): sum(row[j] for row in matrix) for j in range(n_cols)})
    out[(n_rows, n_cols)] = sum(map(sum, matrix))
    return out


def ext_published(table) -> dict[tuple[int, int], int | None]:
    n_rows, n_cols = len(table.cells), len(table.col_totals)
    out = {(i, j): table.cells[i][j] for i in range(n_rows) for j in range(n_cols)}
    out.update({(i, n_cols): table.row_totals[i] for i in range(n_rows)})
    out.update({(n_rows, j): table.col_totals[j] for j in range(n_cols)})
    out[(n_rows, n_cols)] = table.total
    return out


@settings(max_examples=400, deadline=None)
@given(cubes, st.sampled_from([MONTHS, MONTHS[:1], MONTHS[1:]]),
       st.sampled_from([(1,), (1, 2), (1, 2, 3, 0)]))
def test_no_published_zero_where_someone_is_and_nothing_small_or_solvable(cube, months, rows):
    """The three properties, on a view built from pooled cells with the true cells beside."""
    pooled = pool_small_cells(cube, STAGES, K)
    shown = _view_matrix(pooled, months, BANDS, rows)
    truth = _view_matrix(cube, months, BANDS, rows)
    table = protect_table(shown, K, truth)
    published, true = ext_published(table), ext_values(truth)
    for cell, value in published.items():
        if value == 0:
            assert true[cell] == 0 or rows[cell[0]:cell[0] + 1] == [0], cell
        assert value is None or value == 0 or value >= K
        if table.is_pooled(*cell):
            assert value is None
            assert ext_values(shown)[cell] == 0
            assert true[cell] > 0
    assert solvable_cells(shown, table) == set()


def test_a_centre_whose_no_shows_were_pooled_away_shows_a_dash_not_zero():
    """The issue's case: 3 + 4 + 3 no-shows in three months, each pooled to "other"."""
    table = protect_table([[40, 0], [0, 30]], K, [[40, 10], [0, 30]])
    assert table.cells[0][1] is None
    assert table.is_pooled(0, 1)
    assert table.cells[1][0] == 0  # nobody there: a true zero stays 0
    assert table.total == 70
    alone = protect_table([[40, 0], [0, 0]], K, [[40, 10], [0, 0]])
    assert alone.col_totals[1] is None
    assert alone.is_pooled(2, 1)
    assert alone.row_totals[1] == 0
