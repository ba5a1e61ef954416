"""TMDB's daily ID export, as the simulator's file host serves it: ``/p/exports/movie_ids_MM_DD_YYYY.json.gz``.

One gzip file a day, newline-delimited JSON, one object a movie of the catalogue (``adult``, ``id``,
``original_title``, ``popularity``, ``video``) in id order, with each movie's popularity at the day's 08:00 UTC,
which is when TMDB publishes it. A day's file exists from that moment on, for ``EXPORT_RETENTION_DAYS``.

The file is generated while it is sent: a few thousand lines at a time go through one gzip compressor, so a
million-movie export never exists in memory as a whole, and the same seed always gives the same bytes (zlib's gzip
header carries no name and no timestamp).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from master_dataset.simulator.catalogue import Catalogue, hour_of

EXPORT_DIRECTORY = "/p/exports/"
EXPORT_PUBLISH_HOUR_UTC = 8
EXPORT_RETENTION_DAYS = 90
EXPORT_CHUNK_MOVIES = 2000
# Bytes of compressed data gathered before one write (one HTTP chunk).
WRITE_BYTES = 64 * 1024
_MOVIE_EXPORT = re.compile(r"^movie_ids_(\d{2})_(\d{2})_(\d{4})\.json\.gz$")


def export_file_name(day: date) -> str:
    return f"movie_ids_{day:%m_%d_%Y}.json.gz"


def export_day(file_name: str) -> date | None:
    """The day of a movie export's file name, or None when the name is not one (or not a real date)."""
    match = _MOVIE_EXPORT.match(file_name)
    if not match:
        return None
    month, day, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def published_at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, EXPORT_PUBLISH_HOUR_UTC, tzinfo=UTC)


def is_published(day: date, now: datetime) -> bool:
    """Whether the file host has ``day``'s export at ``now``: from its 08:00 UTC on, for the retention period."""
    return published_at(day) <= now and day >= now.date() - timedelta(days=EXPORT_RETENTION_DAYS)


def export_lines(catalogue: Catalogue, day: date, stop: int | None = None) -> Iterator[bytes]:
    """``day``'s export as UTF-8 NDJSON chunks; ``stop`` ends it after that many movies (a truncated file)."""
    hour = hour_of(published_at(day))
    for chunk in catalogue.export_chunks(hour, EXPORT_CHUNK_MOVIES, stop):
        yield chunk.encode("utf-8")


def gzip_stream(chunks: Iterator[bytes], *, complete: bool = True, level: int = 6) -> Iterator[bytes]:
    """``chunks`` compressed into one gzip member, yielded in pieces of about ``WRITE_BYTES``.

    ``complete=False`` leaves the member unfinished (no final block, no CRC trailer): a file cut short, which only a
    decompressor can tell.
    """
    compressor = zlib.compressobj(level, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    pending: list[bytes] = []
    size = 0
    for chunk in chunks:
        data = compressor.compress(chunk)
        if data:
            pending.append(data)
            size += len(data)
        if size >= WRITE_BYTES:
            yield b"".join(pending)
            pending, size = [], 0
    pending.append(compressor.flush(zlib.Z_FINISH if complete else zlib.Z_SYNC_FLUSH))
    tail = b"".join(pending)
    if tail:
        yield tail


def movie_export(catalogue: Catalogue, day: date, *, truncated: bool = False) -> Iterator[bytes]:
    """The gzip bytes of ``day``'s movie export; ``truncated`` stops half way, mid-stream."""
    stop = max(1, catalogue.movie_count // 2) if truncated else None
    return gzip_stream(export_lines(catalogue, day, stop), complete=not truncated)
