"""Bulk work shared by the imports and the daily run: import files and chunked lists."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TypeVar

from hostctl.errors import ImportFileError, ValidationError

T = TypeVar("T")


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """``items`` in consecutive slices of at most ``size`` (bounded IN lists and inserts)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def read_csv(
    path: Path, columns: tuple[str, ...], required: tuple[str, ...]
) -> list[tuple[int, dict[str, str]]]:
    """Rows of a UTF-8 CSV with a header, as (line number, row). Unknown columns refuse."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise ValidationError(f"Cannot read {path}: {exc.strerror}.") from None
    with handle:
        # csv.reader rather than DictReader (a third of the time on a large file), with
        # DictReader's meaning: blank lines skipped, missing values empty, the last of
        # two same-named columns wins, values beyond the header are "extra".
        reader = csv.reader(handle)
        header = [h.strip() for h in (next(reader, None) or [])]
        unknown = [h for h in header if h not in columns]
        if unknown:
            raise ImportFileError(
                f"{path.name} has unknown column {unknown[0]!r}; the columns are "
                f"{','.join(columns)}."
            )
        missing = [c for c in required if c not in header]
        if missing:
            raise ImportFileError(f"{path.name} lacks the required column {missing[0]!r}.")
        width = len(header)
        named = [(i, k) for i, k in enumerate(header) if k]
        rows: list[tuple[int, dict[str, str]]] = []
        extra: list[str] = []
        try:
            for row in reader:
                if not row:
                    continue
                size = len(row)
                if size > width and any(v.strip() for v in row[width:]):
                    extra.append(
                        f"line {reader.line_num}, column {len(header) + 1}: more values than "
                        f"the {len(header)} columns of the header."
                    )
                if size >= width:
                    values = {k: row[i].strip() for i, k in named}
                else:
                    values = {k: row[i].strip() if i < size else "" for i, k in named}
                rows.append((reader.line_num, values))
        except (UnicodeDecodeError, csv.Error) as exc:
            raise ImportFileError(f"{path.name} is not a UTF-8 CSV file: {exc}.") from None
        if extra:
            raise ImportFileError(
                f"{path.name} was not imported: {len(extra)} bad row(s).", details=extra
            )
        return rows
