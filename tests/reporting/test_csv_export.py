"""CSV cells that a spreadsheet would run as formulas are neutralised."""

import pytest

from muster.reporting.csv_export import neutralise


@pytest.mark.parametrize("cell", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx"])
def test_neutralise_formula_start_gets_apostrophe(cell):
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["E1", "Medical Incident", 12, -3.5, None, True, ""])
def test_neutralise_leaves_plain_cells(cell):
    assert neutralise(cell) == cell
