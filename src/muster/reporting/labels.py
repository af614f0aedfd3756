"""What report groups are called: codes and names in place of row ids."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from muster.incidents.models import IncidentType
from muster.org.models import Station
from muster.reporting.local_time import ShiftRotation
from muster.reporting.schemas import GroupBy
from muster.units.models import Unit

Key = str | int | None


async def group_labels(
    session: AsyncSession,
    *,
    department_id: str,
    group_by: GroupBy | None,
    rotation: ShiftRotation,
) -> dict[Key, Key]:
    """Row id (or shift number) to the label a reader knows it by."""
    if group_by is GroupBy.SHIFT:
        return dict(enumerate(rotation.names))
    table = (
        {
            GroupBy.TYPE: (
                IncidentType.id,
                IncidentType.code,
                IncidentType.department_id,
            ),
            GroupBy.STATION: (Station.id, Station.code, Station.department_id),
            GroupBy.UNIT: (Unit.id, Unit.name, Unit.department_id),
        }.get(group_by)
        if group_by is not None
        else None
    )
    if table is None:
        return {}
    key, label, department = table
    rows = await session.execute(select(key, label).where(department == department_id))
    return {row[0]: row[1] for row in rows}
