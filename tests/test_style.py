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
