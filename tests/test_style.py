"""The code base passes ruff (lint and format), so style is enforced in CI, not by memory."""

import subprocess
import sys
from pathlib import Path

from collablib.paths import PROJECT_ROOT

RUFF = Path(sys.executable).with_name("ruff")


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(RUFF), *args], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
    )


def test_ruff_lint_passes():
    proc = run("check", "--no-cache", ".")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ruff_format_is_applied():
    proc = run("format", "--check", "--no-cache", ".")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_chart_style_turns_mathtext_off_for_every_kind_of_text_and_restores_rcparams():
    import matplotlib as mpl
    import matplotlib.text as mtext
    from matplotlib.figure import Figure

    from collablib.report.display import png_bytes
    from collablib.report.style import chart_style

    name = r"$\href{http://x}{y}$ and $5"
    before = dict(mpl.rcParams.copy())
    with chart_style():
        fig = Figure()
        ax = fig.add_subplot()
        ax.bar([name, "$5 to $10"], [1, 2])  # categorical tick labels
        ax.set_title(name)
        ax.set_xlabel(name)
        ax.annotate(name, (0, 1))
        ax.legend([name])
        fig.suptitle(name)
    png_bytes(fig)  # tick labels may only be created now, at draw time
    texts = fig.findobj(mtext.Text)
    assert sum(t.get_text() == name for t in texts) >= 6
    assert not [t.get_text() for t in texts if t.get_parse_math()]
    assert dict(mpl.rcParams.copy()) == before
