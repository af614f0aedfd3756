"""Opening a department archive and proving it whole before anything is loaded.

The manifest must be of a format version this Muster reads and must list
exactly the files the zip holds; every file must match the manifest's size,
SHA-256 and (for JSON Lines) row count. Sizes are checked against limits
from the central directory before any byte is inflated, and lines are read
with a length cap, so a hostile archive cannot exhaust memory.
"""

import hashlib
import json
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from pydantic import ValidationError

from muster.reporting.archive_geojson import LAYERS
from muster.reporting.archive_schemas import FORMAT_VERSION, MANIFEST, Manifest
from muster.reporting.archive_tables import TABLES
from muster.reporting.errors import ArchiveInvalid

_READ = 1024 * 1024
_MANIFEST_MAX = 1024 * 1024
_JSONL = frozenset(spec.file for spec in TABLES)
_KNOWN = _JSONL | {name for name, _ in LAYERS}
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError)


@dataclass(frozen=True, slots=True)
class Limits:
    """How much an archive may unpack to in all, and the longest row."""

    max_unpacked_bytes: int
    max_line_bytes: int = 4 * 1024 * 1024


class Archive:
    """An opened archive whose manifest and entries have been checked."""

    def __init__(
        self, zip_file: zipfile.ZipFile, manifest: Manifest, limits: Limits
    ) -> None:
        self._zip = zip_file
        self.manifest = manifest
        self.limits = limits

    def close(self) -> None:
        self._zip.close()

    def verify(self, *, on_file: Callable[[str], None] | None = None) -> None:
        """Check every file's SHA-256 and JSON Lines row count against the manifest.

        Raises ``ArchiveInvalid`` at the first file that differs.
        """
        for entry in self.manifest.files:
            digest, lines = self._digest(entry.name)
            if digest != entry.sha256:
                raise ArchiveInvalid(
                    "SHA-256 differs from the manifest: the file was changed or"
                    " damaged",
                    file=entry.name,
                )
            if entry.name in _JSONL and lines != entry.rows:
                raise ArchiveInvalid(
                    f"holds {lines} rows; the manifest says {entry.rows}",
                    file=entry.name,
                )
            if on_file is not None:
                on_file(entry.name)

    def _digest(self, name: str) -> tuple[str, int]:
        digest, lines = hashlib.sha256(), 0
        try:
            with self._zip.open(name) as entry:
                while chunk := entry.read(_READ):
                    digest.update(chunk)
                    lines += chunk.count(b"\n")
        except _ZIP_ERRORS as exc:
            raise ArchiveInvalid(f"cannot be read: {exc}", file=name) from exc
        return digest.hexdigest(), lines

    def lines(self, name: str) -> Iterator[tuple[int, bytes]]:
        """Each line of a JSON Lines file with its number, newline removed."""
        cap = self.limits.max_line_bytes
        try:
            with self._zip.open(name) as entry:
                number = 0
                while line := entry.readline(cap + 1):
                    number += 1
                    if not line.endswith(b"\n"):
                        raise ArchiveInvalid(
                            f"line is longer than {cap} bytes or unterminated",
                            file=name,
                            line=number,
                        )
                    yield number, line[:-1]
        except _ZIP_ERRORS as exc:
            raise ArchiveInvalid(f"cannot be read: {exc}", file=name) from exc


def open_archive(source: Path | IO[bytes], *, limits: Limits) -> Archive:
    """Open and check the archive's structure. Raises ``ArchiveInvalid``."""
    try:
        zip_file = zipfile.ZipFile(source)
    except _ZIP_ERRORS as exc:
        raise ArchiveInvalid("not a zip archive, or a truncated one") from exc
    try:
        manifest = _read_manifest(zip_file)
        _check_entries(zip_file, manifest, limits)
    except BaseException:
        zip_file.close()
        raise
    return Archive(zip_file, manifest, limits)


def _read_manifest(zip_file: zipfile.ZipFile) -> Manifest:
    try:
        info = zip_file.getinfo(MANIFEST)
    except KeyError as exc:
        raise ArchiveInvalid("has no manifest.json") from exc
    if info.file_size > _MANIFEST_MAX:
        raise ArchiveInvalid("is too large", file=MANIFEST)
    try:
        raw = json.loads(zip_file.read(info))
    except (*_ZIP_ERRORS, ValueError) as exc:
        raise ArchiveInvalid("is not readable JSON", file=MANIFEST) from exc
    if isinstance(raw, dict) and raw.get("format_version") != FORMAT_VERSION:
        raise ArchiveInvalid(
            f"format version {raw.get('format_version')!r} is not one this Muster"
            f" reads (it reads version {FORMAT_VERSION})",
            file=MANIFEST,
        )
    try:
        return Manifest.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ArchiveInvalid(f"{where}: {first['msg']}", file=MANIFEST) from exc


def _check_entries(
    zip_file: zipfile.ZipFile, manifest: Manifest, limits: Limits
) -> None:
    infos = zip_file.infolist()
    names = [info.filename for info in infos]
    listed = [f.name for f in manifest.files]
    if len(set(names)) != len(names) or len(set(listed)) != len(listed):
        raise ArchiveInvalid("holds a file name twice")
    if unknown := set(listed) - _KNOWN:
        raise ArchiveInvalid(f"lists files this format has not: {sorted(unknown)}")
    if missing := _JSONL - set(listed):
        raise ArchiveInvalid(f"lacks files: {sorted(missing)}")
    if set(names) != {*listed, MANIFEST}:
        raise ArchiveInvalid("the zip's files differ from those the manifest lists")
    if any(info.flag_bits & 0x1 for info in infos):
        raise ArchiveInvalid("holds encrypted files")
    if sum(info.file_size for info in infos) > limits.max_unpacked_bytes:
        raise ArchiveInvalid(f"unpacks to more than {limits.max_unpacked_bytes} bytes")
    for entry in manifest.files:
        if zip_file.getinfo(entry.name).file_size != entry.bytes:
            raise ArchiveInvalid("size differs from the manifest", file=entry.name)
