"""PDF versions of the reviewer reports, printed by headless Chromium.

NHS England offers its published account of the collaboratives as "a PDF version
of this report", and board papers circulate as PDFs. ``collab reports --pdf``
(``make pdf``) prints each reviewer page, ``reports/<id>.html``, to
``reports/<id>.pdf`` with Chromium's print to PDF, using the reports' print
stylesheet (A4, 2 cm margins, a page per top-level section, charts and table
rows never split, link targets printed). Chromium's PDFs are tagged: each chart
is a ``Figure`` with its alternative text, so the PDF stays accessible.

PDFs are optional. Chromium is found as ``$CHROMIUM``, ``chromium`` or
``chromium-browser``; without it the HTML reports build as usual and ``--pdf``
says how to install it (:func:`find_chromium`, :data:`INSTALL_HINT`).

**Incremental and reproducible.** A PDF records the SHA-256 of the HTML it was
printed from (document information key ``/CollabSourceSHA256``) and is printed
again only when that HTML has changed. Chromium stamps the time and its own
version into every PDF, so the document information is rewritten with fixed
values (:data:`FIXED_DATE`, :data:`PRODUCER`) and the file saved by pikepdf with
a deterministic document id: the same HTML gives the same bytes. A PDF is written
to a temporary file and renamed into place, so a failed or interrupted print
never replaces a good PDF. A PDF whose HTML report no longer exists (a cohort
removed from the registry) is deleted, but only one that collab made.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from collablib.build.fileio import TEMP_SUFFIX, OutputError, atomic_write_bytes
from collablib.data.inputs import sha256_file

__all__ = [
    "FIXED_DATE",
    "INSTALL_HINT",
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
#: What ``--pdf`` says when Chromium is missing.
INSTALL_HINT = (
    "PDFs are printed by Chromium, which was not found. Install it (on Debian or Ubuntu: "
    "sudo apt-get install chromium), or set CHROMIUM to the path of a Chromium or Chrome "
    "program, then run 'make pdf' again. The HTML reports do not need it."
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


def find_chromium() -> str | None:
    """The Chromium program to print with: ``$CHROMIUM``, else ``chromium`` or
    ``chromium-browser`` on the PATH; ``None`` when there is none."""
    named = os.environ.get("CHROMIUM")
    if named:
        return named if Path(named).is_file() else shutil.which(named)
    return shutil.which("chromium") or shutil.which("chromium-browser")


def reviewer_pages(output_dir: Path) -> list[str]:
    """Ids of the reviewer pages in ``output_dir`` (``<id>.html``, not the index or code pages)."""
    return sorted(
        p.name.removesuffix(".html")
        for p in output_dir.glob("*.html")
        if not p.name.endswith(".code.html")
        and p.name != "index.html"
        and not p.name.startswith((".", "_"))
    )


def pdf_source_hash(pdf: Path) -> str | None:
    """The SHA-256 of the HTML that ``pdf`` was printed from, or ``None`` if it is not one of
    collab's PDFs (or cannot be read)."""
    import pikepdf

    try:
        with pikepdf.open(pdf) as doc:
            value = doc.docinfo.get(SOURCE_KEY)
            return str(value) if value is not None else None
    except (pikepdf.PdfError, OSError, ValueError):
        return None


def print_pdf(html: Path, pdf: Path, chromium: str) -> None:
    """Print ``html`` to ``pdf`` with headless Chromium, with fixed metadata (atomic).

    Raises :class:`~collablib.build.fileio.OutputError` naming the page if Chromium
    fails, times out or writes no PDF; ``pdf`` is then left as it was.
    """
    import pikepdf

    source = sha256_file(html)
    with tempfile.TemporaryDirectory(prefix="collab-pdf-") as work:
        raw = Path(work) / "raw.pdf"
        command = [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-extensions",
            "--no-first-run",
            f"--user-data-dir={Path(work) / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={raw}",
            html.resolve().as_uri(),
        ]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise OutputError(
                f"Chromium took more than {TIMEOUT_S} s to print {html.name}."
            ) from exc
        except OSError as exc:
            raise OutputError(f"cannot run Chromium ({chromium}): {exc}.") from exc
        if done.returncode != 0 or not raw.is_file() or raw.stat().st_size == 0:
            detail = (done.stderr or "").strip().splitlines()[-1:] or ["no message"]
            raise OutputError(
                f"Chromium could not print {html.name} (exit {done.returncode}: {detail[0]})."
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
                if "/Metadata" in doc.Root:  # XMP would repeat the dates and tool names
                    del doc.Root["/Metadata"]
                doc.save(buffer, deterministic_id=True)
        except pikepdf.PdfError as exc:
            raise OutputError(f"Chromium wrote an unreadable PDF for {html.name}: {exc}.") from exc
    atomic_write_bytes(pdf, buffer.getvalue())


def _one(output_dir: Path, report_id: str, chromium: str, force: bool) -> PdfResult:
    html, pdf = output_dir / f"{report_id}.html", output_dir / f"{report_id}.pdf"
    try:
        if not force and pdf.is_file() and pdf_source_hash(pdf) == sha256_file(html):
            return PdfResult(report_id, "up to date")
        print_pdf(html, pdf, chromium)
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
    wanted = pages if report_ids is None else [i for i in report_ids if i in pages]
    workers = max(1, min(jobs or os.cpu_count() or 1, len(wanted) or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(lambda i: _one(output_dir, i, program, force), wanted))
    for pdf in sorted(output_dir.glob("*.pdf")):
        report_id = pdf.name.removesuffix(".pdf")
        if report_id not in pages and pdf_source_hash(pdf) is not None:
            pdf.unlink()
            results.append(PdfResult(report_id, "removed", "its report no longer exists"))
    return results
