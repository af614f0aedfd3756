"""Writing a whole department as a zip archive, streamed as it is written.

Rows are read in batches and each batch's compressed bytes are handed on
before the next is read, so memory stays bounded however big the department
is. The zip is written to a sink that cannot seek (entries carry their sizes
after their data), which is what lets a response start before the end is
known. ``manifest.json`` comes last, once every file's count and checksum
are known; zip readers find it through the central directory.

The caller runs this in one read snapshot (``muster.core.db.snapshot``), so
the files agree with each other: the event head matches the events, and no
row names a row the archive lacks.
"""

import hashlib
import io
import logging
import zipfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import IO, Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

import muster
from muster.core import clock
from muster.org import service as org_service
from muster.org.models import Department
from muster.reporting import archive_geojson as geojson
from muster.reporting.archive_schemas import (
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    ArchiveDepartment,
    ArchiveFile,
    Manifest,
)
from muster.reporting.archive_tables import TABLES, TableSpec

logger = logging.getLogger(__name__)

BATCH = 1000

Progress = Callable[[str, int], None]


@dataclass(frozen=True, slots=True)
class ExportRequest:
    """What to export; ``on_rows`` hears each file's name and rows written so far."""

    department_id: str
    include_secrets: bool = False
    on_rows: Progress | None = None


class _Sink(io.RawIOBase):
    """Collects what the zip writer writes until the stream hands it on."""

    def __init__(self) -> None:
        super().__init__()
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._chunks.append(chunk)
        return len(chunk)

    def drain(self) -> bytes:
        out = b"".join(self._chunks)
        self._chunks.clear()
        return out


@dataclass
class _Entry:
    """One file being written into the zip, with its running count and checksum."""

    name: str
    handle: IO[bytes]
    rows: int = 0
    size: int = 0
    digest: Any = field(default_factory=hashlib.sha256)

    def write(self, data: bytes, rows: int) -> None:
        self.handle.write(data)
        self.digest.update(data)
        self.size += len(data)
        self.rows += rows

    def described(self) -> ArchiveFile:
        return ArchiveFile(
            name=self.name,
            rows=self.rows,
            bytes=self.size,
            sha256=self.digest.hexdigest(),
        )


def _info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=clock.now().timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _open(archive: zipfile.ZipFile, name: str) -> IO[bytes]:
    return archive.open(_info(name), "w", force_zip64=True)


async def count_rows(session: AsyncSession, *, department_id: str) -> dict[str, int]:
    """Rows each JSON Lines file of the department's archive will hold."""
    counts = {}
    for spec in TABLES:
        query = select(func.count()).select_from(spec.table)
        counts[spec.file] = int(
            await session.scalar(query.where(spec.scope(department_id))) or 0
        )
    return counts


async def _table_batches(
    session: AsyncSession, spec: TableSpec, request: ExportRequest
) -> AsyncIterator[list[str]]:
    columns = [c for c in spec.table.columns if c.name not in spec.omit]
    hidden = set() if request.include_secrets else spec.secret
    query = (
        select(*columns)
        .where(spec.scope(request.department_id))
        .order_by(*(spec.table.c[name] for name in spec.order_by))
        .execution_options(yield_per=BATCH)
    )
    result = await session.stream(query)
    async for partition in result.mappings().partitions(BATCH):
        yield [
            geojson.encode({k: None if k in hidden else v for k, v in row.items()})
            for row in partition
        ]


async def _write_tables(
    session: AsyncSession,
    archive: zipfile.ZipFile,
    sink: _Sink,
    request: ExportRequest,
    files: list[ArchiveFile],
) -> AsyncIterator[bytes]:
    for spec in TABLES:
        with _open(archive, spec.file) as handle:
            entry = _Entry(spec.file, handle)
            async for lines in _table_batches(session, spec, request):
                data = "".join(line + "\n" for line in lines).encode()
                entry.write(data, len(lines))
                if request.on_rows is not None:
                    request.on_rows(spec.file, entry.rows)
                yield sink.drain()
        files.append(entry.described())


async def _write_layers(
    session: AsyncSession,
    archive: zipfile.ZipFile,
    sink: _Sink,
    request: ExportRequest,
    files: list[ArchiveFile],
) -> AsyncIterator[bytes]:
    for name, layer in geojson.LAYERS:
        with _open(archive, name) as handle:
            entry = _Entry(name, handle)
            entry.write(b'{"type":"FeatureCollection","features":[', 0)
            async for features in layer(session, request.department_id):
                separator = "," if entry.rows else ""
                entry.write((separator + ",".join(features)).encode(), len(features))
                yield sink.drain()
            entry.write(b"]}\n", 0)
        files.append(entry.described())


def _manifest(
    department: Department, request: ExportRequest, files: list[ArchiveFile]
) -> bytes:
    manifest = Manifest(
        format=FORMAT,
        format_version=FORMAT_VERSION,
        muster_version=muster.__version__,
        exported_at=clock.now(),
        department=ArchiveDepartment(
            id=department.id, slug=department.slug, name=department.name
        ),
        secrets_included=request.include_secrets,
        files=files,
    )
    return (manifest.model_dump_json(indent=2) + "\n").encode()


async def stream_archive(
    session: AsyncSession, *, request: ExportRequest
) -> AsyncIterator[bytes]:
    """The department's archive as zip bytes, chunk by chunk.

    Raises ``DepartmentNotFound`` before the first chunk for an unknown id.
    """
    department = await org_service.get_department(session, request.department_id)
    sink = _Sink()
    files: list[ArchiveFile] = []
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        async for chunk in _write_tables(session, archive, sink, request, files):
            yield chunk
        async for chunk in _write_layers(session, archive, sink, request, files):
            yield chunk
        archive.writestr(_info(MANIFEST), _manifest(department, request, files))
    yield sink.drain()
    logger.info(
        "department_exported",
        extra={
            "department_id": department.id,
            "rows": sum(f.rows for f in files if f.name.endswith(".jsonl")),
            "secrets_included": request.include_secrets,
        },
    )
