"""Which station's first-due area a place lies in."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from muster.core import geo
from muster.org.models import Station


async def station_area_of(
    session: AsyncSession, *, department_id: str, lat: float, lon: float
) -> str | None:
    """The station whose first-due area holds a point: the one whose response
    area contains it (the smallest such area, by code on a tie),
    else the nearest station with a location, else ``None``.

    The nearest station stands in for areas a department has not drawn; it is
    what a dispatcher would assume without a map of areas.
    """
    rows = (
        await session.execute(
            select(
                Station.id,
                Station.code,
                Station.lat,
                Station.lon,
                Station.response_area,
            )
            .where(Station.department_id == department_id)
            .order_by(Station.code)
        )
    ).all()
    holding = [
        (geo.plane_area(row.response_area), row.code, row.id)
        for row in rows
        if row.response_area and geo.contains(row.response_area, lat, lon)
    ]
    if holding:
        return str(min(holding)[2])
    placed = [
        (geo.distance_m(lat, lon, row.lat, row.lon), row.code, row.id)
        for row in rows
        if row.lat is not None and row.lon is not None
    ]
    return str(min(placed)[2]) if placed else None
