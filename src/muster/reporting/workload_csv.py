"""Each table of the utilisation report as CSV: a header of the row fields,
then one line per row, text a spreadsheet would run as a formula neutralised
(unit, station and member names come from outside)."""

import csv
import io
from collections.abc import Sequence
from datetime import datetime

from muster.reporting.csv_export import Cell, neutralise
from muster.reporting.schemas import OutputModel
from muster.reporting.workload_schemas import (
    Duplicate,
    IncidentEffort,
    MemberUse,
    TypeStrain,
    TypeUse,
    UnitUse,
    UtilizationReport,
    UtilizationTable,
)

T = UtilizationTable
_COLUMNS: dict[UtilizationTable, type[OutputModel]] = {
    T.UNITS: UnitUse,
    T.TYPES: TypeUse,
    T.PERSONNEL: MemberUse,
    T.INCIDENTS: IncidentEffort,
    T.STRAIN: TypeStrain,
    T.DUPLICATES: Duplicate,
}


def _rows(report: UtilizationReport, table: UtilizationTable) -> Sequence[OutputModel]:
    rows: dict[UtilizationTable, Sequence[OutputModel]] = {
        T.UNITS: report.units,
        T.TYPES: report.unit_types,
        T.PERSONNEL: report.personnel,
        T.INCIDENTS: report.incidents,
        T.STRAIN: report.strain,
        T.DUPLICATES: report.duplicates,
    }
    return rows[table]


def _cell(value: object) -> Cell:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str | int | float | bool):
        return neutralise(value)
    return neutralise(str(value))


def table_csv(report: UtilizationReport, table: UtilizationTable) -> str:
    """One table of the report as CSV text with a header row."""
    columns = list(_COLUMNS[table].model_fields)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in _rows(report, table):
        values = row.model_dump()
        writer.writerow([_cell(values[column]) for column in columns])
    return out.getvalue()
