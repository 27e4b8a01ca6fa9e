"""Reading input files so that a build can prove what it read.

Every input file collab reads goes through :func:`read_input`, which returns
the file's bytes and records their SHA-256 in the process's :class:`InputLog`.
Parsers then work on those bytes, never on the file again, so the hash that a
build record and a report's Provenance section carry is the hash of exactly
the bytes the figures came from, even if the file is edited while a build
runs. Choices made on whether an optional input exists, and listings of
folders to choose inputs from, are recorded too (:func:`input_exists`,
:func:`list_inputs`), so two processes that made different choices can tell.
A file that is read twice with different contents in one process is recorded
as changed.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import os
import re
import threading
import tomllib
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from collablib.errors import CollabError, describe_os_error

__all__ = [
    "ABSENT",
    "INPUT_LOG",
    "LISTING",
    "NOT_INPUTS",
    "InputLog",
    "input_exists",
    "input_folder_exists",
    "input_hash",
    "is_input_file",
    "list_inputs",
    "listing",
    "read_input",
    "read_input_text",
    "read_toml",
    "recording",
    "remembered",
    "sha256_bytes",
    "sha256_file",
]


#: What an input log records for an optional input that was looked for and not found.
ABSENT = "absent"
#: Prefix of what an input log records for the listing of a folder of inputs.
LISTING = "listing:"


@dataclass
class InputLog:
    """What this process read of its inputs, by absolute path.

    ``hashes`` holds, for each file read, the SHA-256 of the bytes read; for an
    optional input that was looked for and missing, :data:`ABSENT`; for a
    folder whose files were listed to choose inputs, :data:`LISTING` and a hash
    of the names. So two logs agree only if the same decisions were taken from
    the same bytes. ``changed`` holds the paths seen with two different values
    since the log was last cleared (a build clears it when it starts, so a
    change means the file was edited while that build was reading it).
    """

    hashes: dict[str, str] = field(default_factory=dict)
    changed: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, path: Path, digest: str) -> None:
        key = str(path)
        with self._lock:
            before = self.hashes.get(key)
            if before is not None and before != digest:
                self.changed.add(key)
            self.hashes[key] = digest

    def get(self, path: str | os.PathLike[str]) -> str | None:
        """What was recorded for ``path``, or ``None`` if nothing was."""
        with self._lock:
            return self.hashes.get(str(Path(path).absolute()))

    def snapshot(self) -> dict[str, object]:
        """``{"hashes": {...}, "changed": [...]}``, as JSON-ready values."""
        with self._lock:
            return {"hashes": dict(self.hashes), "changed": sorted(self.changed)}

    def clear(self) -> None:
        with self._lock:
            self.hashes.clear()
            self.changed.clear()


#: The log of this process (a report's kernel, or the ``collab`` command).
INPUT_LOG = InputLog()
#: Further logs currently recording (see :func:`recording`).
_scopes: list[InputLog] = []


def _record(path: Path, value: str, log: InputLog | None) -> None:
    for target in {id(t): t for t in (log or INPUT_LOG, *_scopes)}.values():
        target.record(path, value)


@contextlib.contextmanager
def recording() -> Iterator[InputLog]:
    """Also record, in a fresh log, every input read inside the ``with`` block.

    The pipeline uses one per cohort, so that it knows exactly what each
    cohort's validation read (one thread at a time).
    """
    log = InputLog()
    _scopes.append(log)
    try:
        yield log
    finally:
        _scopes.remove(log)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's bytes as they are on disk now, as hex (not recorded in any log).

    For checks that need no parsing: whether inputs still match a build record,
    and hashes of code and outputs. Reads in blocks, so a large file is never
    held in memory.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_input(path: str | os.PathLike[str], log: InputLog | None = None) -> bytes:
    """Read an input file's bytes once, recording their SHA-256 in ``log`` (:data:`INPUT_LOG`).

    A file that exists but cannot be read (permissions, a disk error) raises
    :class:`~collablib.errors.CollabError` naming it, as bad input does.
    """
    path = Path(path).absolute()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CollabError(
            f"the file could not be read ({describe_os_error(exc)})",
            file=path,
            allowed="a file collab can read",
        ) from None
    _record(path, sha256_bytes(data), log)
    return data


def input_hash(path: str | os.PathLike[str], log: InputLog | None = None) -> str:
    """The SHA-256 of an input as it was read for this build (:data:`INPUT_LOG`).

    A file that nothing has read yet (a note in a cohort's folder, say) is read
    now, so that the log holds every input of the build and a kernel that reads
    it later is checked against the same bytes.
    """
    log = log or INPUT_LOG
    recorded = log.get(path)
    if recorded is None:
        read_input(path, log)
        recorded = log.get(path)
    assert recorded is not None
    return recorded


def read_input_text(path: str | os.PathLike[str], what: str = "file") -> str:
    """:func:`read_input`, decoded as UTF-8 (a :class:`~collablib.errors.CollabError` if not)."""
    data = read_input(path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise CollabError(
            f"the {what} is not UTF-8 text",
            file=path,
            allowed="a text file saved as UTF-8",
        ) from None


#: Typographic quotes that word processors put in place of TOML's straight quotes.
TYPOGRAPHIC_QUOTES = "\u201c\u201d\u2018\u2019"

_QUOTES_HINT = (
    "typographic quotes (\u201c \u201d \u2018 \u2019), which Word and some editors put in: "
    "TOML needs straight quotes (\" or ')"
)
#: A typographic quote where a TOML string opens: after ``=``, ``[``, ``,`` or ``{``.
_QUOTE_AS_DELIMITER = re.compile(r"[=\[,{]\s*[\u201c\u201d\u2018\u2019]")
_TOML_WHERE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


def read_toml(
    path: str | os.PathLike[str],
    what: str,
    allowed: str = "the layout documented in data/README.md",
) -> dict[str, Any]:
    """Read a TOML settings file; a syntax error names the line and points at the column.

    ``tomllib`` says only "Invalid value (at line 16, column 12)". The error
    raised here also prints that line with a caret under the column, and says
    so when a typographic quote (\u201c \u201d \u2018 \u2019) stands where a string
    should open or close: Word and some e-mail programs put them in place of the
    straight quotes TOML needs, and that is the usual cause. A byte-order mark
    (Notepad's "UTF-8 with BOM") is allowed.
    """
    text = read_input_text(path, what).removeprefix("\ufeff")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _toml_error(exc, text, path, what, allowed) from None


def _toml_error(
    exc: tomllib.TOMLDecodeError,
    text: str,
    path: str | os.PathLike[str],
    what: str,
    allowed: str,
) -> CollabError:
    """The :func:`read_toml` message: reason, place, the line with a caret, the quotes hint."""
    reason = str(exc)
    lines = text.split("\n")  # as tomllib counts lines: only a line feed ends one
    where = _TOML_WHERE.search(reason)
    line_no = column = 0
    place = ""
    if where:
        reason = reason[: where.start()]
        line_no, column = int(where.group(1)), int(where.group(2))
        place = f" at line {line_no}, column {column}"
    elif reason.endswith("(at end of document)") and text.strip():
        # An unclosed bracket or string: point after the last thing written.
        reason = reason.removesuffix("(at end of document)")
        line_no = max(n for n, line in enumerate(lines, 1) if line.strip())
        column = len(lines[line_no - 1].rstrip()) + 1
        place = f" at the end of the file (line {line_no})"
    detail = hint = None
    if line_no:
        line = lines[line_no - 1].rstrip("\r") if line_no <= len(lines) else ""
        # Copy the line's own tabs so the caret lines up however tabs are shown.
        lead = "".join(ch if ch == "\t" else " " for ch in line[: column - 1])
        detail = f"    {line}\n    {lead}^"
        at_caret = line[column - 1 : column]
        if (at_caret and at_caret in TYPOGRAPHIC_QUOTES) or _QUOTE_AS_DELIMITER.search(line):
            hint = "; the line has " + _QUOTES_HINT
    problem = f"the {what} is not valid TOML: {reason.strip()}{place}{hint or ''}"
    return CollabError(problem, file=path, allowed=allowed, detail=detail)


def input_exists(path: str | os.PathLike[str]) -> bool:
    """Whether an optional input file exists; its absence is recorded in the input log.

    Every choice made on whether an optional input is there (a notice, a
    settings file, a cohort's own mapping, its measures) is recorded, so that
    a report's kernel that found a file missing which the pipeline read (or the
    other way round) is caught.
    """
    path = Path(path).absolute()
    if path.is_file():
        return True
    _record(path, ABSENT, None)
    return False


def input_folder_exists(path: str | os.PathLike[str]) -> bool:
    """Whether an optional folder of inputs exists; its absence is recorded."""
    path = Path(path).absolute()
    if path.is_dir():
        return True
    _record(path, ABSENT, None)
    return False


#: Files in a data folder that are never inputs: what editors and file managers leave beside a
#: file (Excel's and LibreOffice's lock files, swap and backup files, folder thumbnails).
NOT_INPUTS = ("~$*", ".~lock.*", ".*", "*.swp", "*~", "Thumbs.db", "desktop.ini")


def is_input_file(path: Path) -> bool:
    """Whether ``path`` is a file a report could read (not an editor's lock or swap file)."""
    return path.is_file() and not any(path.match(pattern) for pattern in NOT_INPUTS)


def list_inputs(folder: str | os.PathLike[str], pattern: str = "*") -> list[Path]:
    """The input files in ``folder`` matching ``pattern`` (sorted); the listing is recorded.

    An editor's lock or swap file (:data:`NOT_INPUTS`, such as Excel's ``~$`` file
    beside an open workbook) is never taken for an input.

    The log keeps a hash of the names found, so a file that appears or
    disappears while a report is built changes what the kernel recorded.
    """
    folder = Path(folder).absolute()
    found, value = listing(folder, pattern)
    # Recorded as "<folder>/[<pattern>]", which no file's path can be.
    key = folder / f"[{pattern}]"
    _LISTINGS[str(key)] = (folder, pattern)
    _record(key, value, None)
    return found


def listing(folder: Path, pattern: str) -> tuple[list[Path], str]:
    """The input files in ``folder`` matching ``pattern``, and what a log records for that
    listing (:data:`LISTING` and a hash of the names), without recording it."""
    found = sorted(p for p in folder.glob(pattern) if is_input_file(p))
    names = "\n".join(p.name for p in found)
    return found, LISTING + sha256_bytes(names.encode("utf-8"))


#: The folder and pattern of each listing recorded (a pattern may hold "/", so the key that
#: the log records cannot be split back into them).
_LISTINGS: dict[str, tuple[Path, str]] = {}


def _read_as_before(recorded: dict[str, str]) -> bool:
    """Read every input in ``recorded`` again, as a fresh run would; whether all are as recorded.

    Files are read (and so hashed and logged) with :func:`read_input`, folders listed with
    :func:`list_inputs`, and inputs recorded as absent looked for again, so the logs of the
    build see exactly what they would have seen had the loader run again.
    """
    for key, value in recorded.items():
        path = Path(key)
        if value == ABSENT:
            if path.is_file() or path.is_dir():
                return False
            _record(path, ABSENT, None)
        elif value.startswith(LISTING):
            if key not in _LISTINGS:
                return False
            _, now = listing(*_LISTINGS[key])
            _record(path, now, None)  # as list_inputs records it
            if now != value:
                return False
        else:
            try:
                data = read_input(path)
            except CollabError:
                return False
            if sha256_bytes(data) != value:
                return False
    return True


def remembered(
    key: Callable[..., Hashable],
    size: int = 16,
    folder: Callable[..., Path] | None = None,
) -> Callable[[Callable], Callable]:
    """Remember a loader's result until one of the inputs it read changes.

    Tests, ``collab validate`` and a pipeline run read and validate the same unchanged files
    again and again; parsing the CPES extract alone takes about 0.9 s. A call whose ``key``
    (the loader's arguments, resolved: an absolute data folder, say) was seen before reads
    again every input the earlier call read (:func:`recording`), with its folder listings and
    the optional inputs it found absent. Only if every one is byte-for-byte as before is the
    earlier result returned, as a deep copy, so callers can change it; otherwise the loader
    runs. The reads are logged either way, so what a build records is what it read now. A
    loader that raises is not remembered; nor is one whose inputs changed while it read them.
    The loader must read its inputs only through this module and depend on nothing else but
    its arguments (the loaders of :mod:`collablib.data` do: a test checks the package).

    ``folder`` names the data folder a call reads (it must appear in ``key``). A call for a
    folder not seen before may then take the result of a call with the same other arguments
    for another folder, if every input that call read is byte-for-byte the same at the same
    place in the new folder (and every input outside it unchanged): a copy of the demo data
    is not parsed again. The paths in the result are moved to the new folder
    (:func:`collablib.data.relocate.moved`); anything it cannot be sure of (a symbolic link
    in either folder, text naming the folder, a folder messages would name relative to the
    working folder) runs the loader instead.
    """

    def decorate(function: Callable) -> Callable:
        cache: OrderedDict[Hashable, tuple[dict[str, str], Any, Path | None]] = OrderedDict()
        lock = threading.Lock()
        stats = {"runs": 0, "remembered": 0, "moved": 0}

        def keep(k: Hashable, hashes: dict[str, str], kept: Any, where: Path | None) -> None:
            with lock:
                cache[k] = (hashes, kept, where)
                cache.move_to_end(k)
                while len(cache) > size:
                    cache.popitem(last=False)

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                # the working folder too: messages name files relative to it
                k = (key(*args, **kwargs), os.getcwd())
                where = folder(*args, **kwargs) if folder is not None else None
                hash(k)
            except Exception:  # no key (an unhashable or bad argument): the loader decides
                return function(*args, **kwargs)
            with lock:
                entry = cache.get(k)
            if entry is not None and _read_as_before(entry[0]):
                stats["remembered"] += 1
                return copy.deepcopy(entry[1])
            if where is not None and entry is None:
                from collablib.data import relocate

                with lock:
                    others = [(c, e) for c, e in cache.items() if e[2] not in (None, where)]
                seen: dict[str, Any] = {}  # each input compared is read once
                for other, (hashes, kept, old) in reversed(others):  # the latest first
                    assert old is not None
                    if relocate.without(other, old) != relocate.without(k, where):
                        continue
                    found = relocate.moved_here(hashes, kept, old, where, seen)
                    if found is not None:
                        stats["moved"] += 1
                        keep(k, found[0], found[1], where)
                        return copy.deepcopy(found[1])
            stats["runs"] += 1
            with recording() as log:
                result = function(*args, **kwargs)
            if not log.changed:
                try:
                    kept = copy.deepcopy(result)
                except Exception:  # a result that cannot be copied is simply not remembered
                    return result
                hashes = dict(log.hashes)
                if where is not None:
                    from collablib.data.relocate import no_links

                    where = where if no_links(hashes, where) else None  # never moved
                keep(k, hashes, kept, where)
            return result

        wrapper.cache_clear = cache.clear  # type: ignore[attr-defined]
        wrapper.stats = stats  # type: ignore[attr-defined]
        return wrapper

    return decorate
