"""CSV cells that spreadsheets would run are written as text."""
from __future__ import annotations

import csv
import io

import pytest

from producers.services.csv_output import neutralized, runs_as_formula, writer


@pytest.mark.parametrize("cell", ["=cmd|'/C calc'!A0", "+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_a_cell_a_spreadsheet_would_run_is_written_as_text(cell):
    file = io.StringIO(newline="")
    writer(file).writerow(["job", 3, cell])
    written = next(csv.reader(io.StringIO(file.getvalue(), newline="")))
    assert written == ["job", "3", "'" + cell]
    assert not runs_as_formula(written[2])


@pytest.mark.parametrize("cell", ["ann@example.com", "A-b=c+d@e", "'quoted", "", "12"])
def test_other_cells_are_written_as_they_are(cell):
    assert neutralized(cell) == cell
