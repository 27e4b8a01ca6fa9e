"""PDF versions of the reviewer reports, printed by headless Chromium.

NHS England offers its published account of the collaboratives as "a PDF version
of this report", and board papers circulate as PDFs. ``collab reports --pdf``
(``make pdf``) prints each reviewer page, ``reports/<id>.html``, to
``reports/<id>.pdf`` with Chromium's print to PDF, using the reports' print
stylesheet (A4, 2 cm margins, a page per top-level section, charts and table
rows never split, link targets printed). Chromium's PDFs are tagged: each chart
is a ``Figure`` with its alternative text, so the PDF stays accessible.

PDFs are optional. Chromium is found as ``$CHROMIUM``, ``chromium-headless-shell``,
``chromium`` or ``chromium-browser``; without it the HTML reports build as usual and
``--pdf`` says how to install it (:func:`find_chromium`, :data:`INSTALL_HINT`).

**Incremental and reproducible.** A PDF records the SHA-256 of the HTML it was
printed from (document information key ``/CollabSourceSHA256``), its report id and
the printer (Chromium's version and :data:`PRINT_FORMAT`), and is printed again only
when one of them has changed. When the build replaces a report's HTML it deletes the
report's PDF at once (:mod:`collablib.build.render`), so an out-of-date PDF, which
might still show a withdrawn quote, never outlives its page. Chromium stamps the time and its own
version into every PDF, so the document information is rewritten with fixed
values (:data:`FIXED_DATE`, :data:`PRODUCER`) and the file saved by pikepdf with
a deterministic document id: the same HTML gives the same bytes. A PDF is written
to a temporary file and renamed into place, so a failed or interrupted print
never replaces a good PDF; an interrupt (Ctrl-C, SIGTERM) kills the Chromium
processes at once. A PDF whose HTML report no longer exists is deleted, but only one
that collab made under that name (a renamed copy records another id and is kept);
reports withdrawn from the registry lose their PDF with their HTML
(:func:`collablib.build.state.remove_unregistered`).
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from collablib.build.fileio import TEMP_SUFFIX, OutputError, atomic_write_bytes
from collablib.data.inputs import sha256_file

__all__ = [
    "CHROMIUM_PROGRAMS",
    "FIXED_DATE",
    "ID_KEY",
    "INSTALL_HINT",
    "PRINTER_KEY",
    "PRINT_FORMAT",
    "PRODUCER",
    "SOURCE_KEY",
    "PdfResult",
    "build_pdfs",
    "find_chromium",
    "pdf_source_hash",
    "print_pdf",
    "reviewer_pages",
]

#: Creation and modification date written into every PDF (PDF date format): fixed, so
#: that the same report gives the same bytes. The report itself says when its data ran.
FIXED_DATE = "D:20000101000000Z"
#: The PDF's producer, in place of Chromium's "Skia/PDF m<version>".
PRODUCER = "collab (printed by Chromium)"
#: Document information key holding the SHA-256 of the HTML the PDF was printed from.
SOURCE_KEY = "/CollabSourceSHA256"
#: Document information keys holding the report id and the printer the PDF came from.
ID_KEY = "/CollabReportId"
PRINTER_KEY = "/CollabPrinter"
#: Bumped whenever how collab prints changes, so that every PDF is printed again.
PRINT_FORMAT = "collab-pdf 2"
#: What ``--pdf`` says when Chromium is missing.
INSTALL_HINT = (
    "PDFs are printed by Chromium, which was not found. Install it (on Debian: "
    "sudo apt-get install chromium-headless-shell, or chromium), or set CHROMIUM to the "
    "path of a Chromium or Chrome program, then run 'make pdf' again. The HTML reports do "
    "not need it."
)
#: Longest a single print may take before it is treated as failed.
TIMEOUT_S = 180


@dataclass(frozen=True)
class PdfResult:
    """What happened to one report's PDF: ``status`` is built, up to date, failed or removed."""

    report_id: str
    status: str
    message: str = ""

    def line(self) -> str:
        """One line for the terminal: ``cohort-2.pdf: built``."""
        return f"{self.report_id}.pdf: {self.status}" + (
            f" ({self.message})" if self.message else ""
        )


#: The programs :func:`find_chromium` looks for on the PATH, first found first.
CHROMIUM_PROGRAMS = ("chromium-headless-shell", "chromium", "chromium-browser")


def find_chromium() -> str | None:
    """The Chromium program to print with: ``$CHROMIUM``, else the first of
    :data:`CHROMIUM_PROGRAMS` on the PATH; ``None`` when there is none.

    Debian's ``chromium-headless-shell`` comes first: Chromium's own headless-only build of
    the same version, with the same print to PDF (tagged PDFs included), without the full
    browser's interface and the longer start-up script Debian wraps it in.
    A print of a demo cohort report took 1.6 s of CPU with it against 2.2 s with
    ``chromium`` (benchmarks/README.md).
    """
    named = os.environ.get("CHROMIUM")
    if named:
        return named if Path(named).is_file() else shutil.which(named)
    return next(filter(None, map(shutil.which, CHROMIUM_PROGRAMS)), None)


def reviewer_pages(output_dir: Path) -> list[str]:
    """Ids of the reviewer pages in ``output_dir`` (``<id>.html``, not the index or code pages)."""
    return sorted(
        p.name.removesuffix(".html")
        for p in output_dir.glob("*.html")
        if not p.name.endswith(".code.html")
        and p.name != "index.html"
        and not p.name.startswith((".", "_"))
    )


def pdf_record(pdf: Path) -> dict[str, str] | None:
    """What a PDF records of where it came from (``source``, ``id``, ``printer``), or
    ``None`` if it is not one of collab's PDFs (or cannot be read)."""
    import pikepdf

    try:
        with pikepdf.open(pdf) as doc:
            info = doc.docinfo
            if SOURCE_KEY not in info:
                return None
            keys = {"source": SOURCE_KEY, "id": ID_KEY, "printer": PRINTER_KEY}
            return {k: str(info[v]) if v in info else "" for k, v in keys.items()}
    except (pikepdf.PdfError, OSError, ValueError):
        return None


def pdf_source_hash(pdf: Path) -> str | None:
    """The SHA-256 of the HTML that ``pdf`` was printed from, or ``None`` if it is not one of
    collab's PDFs (or cannot be read)."""
    record = pdf_record(pdf)
    return record["source"] if record else None


def printer_name(chromium: str) -> str:
    """Chromium's own version line plus :data:`PRINT_FORMAT`: what a PDF's printer was."""
    try:
        done = subprocess.run(
            [chromium, "--version"], capture_output=True, text=True, timeout=60, check=False
        )
        version = done.stdout.strip() or "unknown Chromium"
    except (OSError, subprocess.TimeoutExpired):
        version = "unknown Chromium"
    return f"{version}; {PRINT_FORMAT}"


class _Running:
    """The Chromium processes printing now, so that an interrupt can stop them all."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._procs: set[subprocess.Popen[str]] = set()
        self.stopping = False

    def add(self, proc: subprocess.Popen[str]) -> None:
        with self._lock:
            self._procs.add(proc)
            if self.stopping:
                _kill(proc)

    def discard(self, proc: subprocess.Popen[str]) -> None:
        with self._lock:
            self._procs.discard(proc)

    def stop_all(self) -> None:
        with self._lock:
            self.stopping = True
            for proc in self._procs:
                _kill(proc)


def _kill(proc: subprocess.Popen[str]) -> None:
    """Kill Chromium and its helper processes (it runs in a process group of its own)."""
    with contextlib.suppress(OSError):
        os.killpg(proc.pid, signal.SIGKILL)


def print_pdf(
    html: Path,
    pdf: Path,
    chromium: str,
    *,
    source: str | None = None,
    printer: str | None = None,
    running: _Running | None = None,
) -> None:
    """Print ``html`` to ``pdf`` with headless Chromium, with fixed metadata (atomic).

    ``source`` is the SHA-256 of ``html`` if the caller has it, and ``printer`` what
    :func:`printer_name` says. Raises :class:`~collablib.build.fileio.OutputError` naming
    the page if Chromium fails, times out or writes no PDF; ``pdf`` is then left as it was.
    """
    import pikepdf

    source = source or sha256_file(html)
    printer = printer or printer_name(chromium)
    with tempfile.TemporaryDirectory(prefix="collab-pdf-") as work:
        raw = Path(work) / "raw.pdf"
        command = [
            chromium,
            "--headless",
            "--disable-gpu",
            "--disable-extensions",
            "--no-first-run",
            f"--user-data-dir={Path(work) / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={raw}",
            html.resolve().as_uri(),
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.insert(2, "--no-sandbox")  # Chromium refuses to run as root otherwise
        try:
            proc = subprocess.Popen(
                command,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                start_new_session=True,
            )
        except OSError as exc:
            raise OutputError(f"cannot run Chromium ({chromium}): {exc}.") from exc
        if running is not None:
            running.add(proc)
        try:
            _, stderr = proc.communicate(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired as exc:
            _kill(proc)
            proc.communicate()
            raise OutputError(
                f"Chromium took more than {TIMEOUT_S} s to print {html.name}."
            ) from exc
        except BaseException:
            _kill(proc)
            with contextlib.suppress(BaseException):
                proc.wait(timeout=5)
            raise
        finally:
            if running is not None:
                running.discard(proc)
        if running is not None and running.stopping:
            raise OutputError(f"printing {html.name} was interrupted.")
        if proc.returncode != 0 or not raw.is_file() or raw.stat().st_size == 0:
            detail = (stderr or "").strip().splitlines()[-1:] or ["no message"]
            raise OutputError(
                f"Chromium could not print {html.name} (exit {proc.returncode}: {detail[0]})."
            )
        buffer = io.BytesIO()
        try:
            with pikepdf.open(raw) as doc:
                info = doc.docinfo
                for key in ("/CreationDate", "/ModDate"):
                    info[key] = FIXED_DATE
                info["/Producer"] = PRODUCER
                info["/Creator"] = "collab"
                info[SOURCE_KEY] = source
                info[ID_KEY] = pdf.name.removesuffix(".pdf")
                info[PRINTER_KEY] = printer
                if "/Metadata" in doc.Root:  # XMP would repeat the dates and tool names
                    del doc.Root["/Metadata"]
                _number_structure_ids(doc)
                doc.save(buffer, deterministic_id=True)
        except pikepdf.PdfError as exc:
            raise OutputError(f"Chromium wrote an unreadable PDF for {html.name}: {exc}.") from exc
    atomic_write_bytes(pdf, buffer.getvalue())


def _number_structure_ids(doc) -> None:
    """Give the tagged PDF's structure elements ids in reading order: ``node00000001``, ...

    Chromium names each structure element after the page's internal node number, which can
    differ by one between two prints of the same page (2 of 48 prints of one demo report,
    with ``chromium`` and with its headless shell), and every id, the tree that indexes
    them and each table cell's ``/Headers`` then differ: the same HTML would not always
    give the same bytes.
    The elements are numbered again in the order of the structure tree (the page's reading
    order), references from ``/Headers`` follow, and the id tree is written as one sorted
    list (ISO 32000-1, 14.7.2 and 7.9.6).
    """
    import pikepdf

    tree = doc.Root.get("/StructTreeRoot")
    if not isinstance(tree, pikepdf.Dictionary):
        return
    renamed: dict[str, str] = {}
    elements: list[pikepdf.Dictionary] = []  # every structure element, in order
    named: list[pikepdf.Dictionary] = []  # those with an id
    seen: set[tuple[int, int]] = set()
    stack = [tree.get("/K")]
    while stack:
        node = stack.pop()
        if isinstance(node, pikepdf.Array):
            stack.extend(reversed(list(node)))
            continue
        if not isinstance(node, pikepdf.Dictionary) or node.get("/Type") in ("/MCR", "/OBJR"):
            continue
        if node.is_indirect:
            if node.objgen in seen:
                continue
            seen.add(node.objgen)
        elements.append(node)
        if "/ID" in node:
            renamed[str(node.ID)] = f"node{len(renamed) + 1:08d}"
            node.ID = pikepdf.String(renamed[str(node.ID)])
            named.append(node)
        stack.append(node.get("/K"))
    done: set[tuple[int, int]] = set()  # an attribute object shared by cells is renamed once
    for element in elements:
        attributes = element.get("/A")
        for attribute in attributes if isinstance(attributes, pikepdf.Array) else [attributes]:
            if not isinstance(attribute, pikepdf.Dictionary) or "/Headers" not in attribute:
                continue
            if attribute.is_indirect:
                if attribute.objgen in done:
                    continue
                done.add(attribute.objgen)
            attribute.Headers = pikepdf.Array(
                [pikepdf.String(renamed.get(str(h), str(h))) for h in attribute.Headers]
            )
    if "/IDTree" in tree or named:
        names = pikepdf.Array()
        for element in named:  # numbered in order, so already sorted
            names.append(element.ID)
            names.append(element)
        tree.IDTree = pikepdf.Dictionary(Names=names)


def _one(
    output_dir: Path, report_id: str, chromium: str, printer: str, force: bool, running: _Running
) -> PdfResult:
    html, pdf = output_dir / f"{report_id}.html", output_dir / f"{report_id}.pdf"
    try:
        source = sha256_file(html)
        wanted = {"source": source, "id": report_id, "printer": printer}
        if not force and pdf.is_file() and pdf_record(pdf) == wanted:
            return PdfResult(report_id, "up to date")
        print_pdf(html, pdf, chromium, source=source, printer=printer, running=running)
    except (OutputError, OSError) as exc:
        return PdfResult(report_id, "failed", str(exc).rstrip("."))
    return PdfResult(report_id, "built")


def build_pdfs(
    output_dir: Path,
    report_ids: list[str] | None = None,
    *,
    chromium: str | None = None,
    jobs: int | None = None,
    force: bool = False,
) -> list[PdfResult]:
    """Print every reviewer page in ``output_dir`` (or the ``report_ids`` given) to PDF.

    Unchanged pages keep their PDFs. PDFs that collab made for pages that no longer
    exist are removed. Raises :class:`~collablib.build.fileio.OutputError` with
    :data:`INSTALL_HINT` when Chromium is missing.
    """
    program = chromium or find_chromium()
    if program is None:
        raise OutputError(INSTALL_HINT)
    for leftover in output_dir.glob(f".*.pdf.*{TEMP_SUFFIX}"):
        with contextlib.suppress(OSError):
            leftover.unlink()
    pages = reviewer_pages(output_dir)
    wanted = pages if report_ids is None else [i for i in pages if i in set(report_ids)]
    printer = printer_name(program)
    running = _Running()
    workers = max(1, min(jobs or os.cpu_count() or 1, len(wanted) or 1))
    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        jobs_done = [
            pool.submit(_one, output_dir, i, program, printer, force, running) for i in wanted
        ]
        results = [job.result() for job in jobs_done]
    except BaseException:  # Ctrl-C or SIGTERM: stop every print now, keep every old PDF
        running.stop_all()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown()
    for pdf in sorted(output_dir.glob("*.pdf")):
        report_id = pdf.name.removesuffix(".pdf")
        record = pdf_record(pdf) if report_id not in pages else None
        if record is not None and record["id"] == report_id:
            pdf.unlink()
            results.append(PdfResult(report_id, "removed", "its report no longer exists"))
    return results
