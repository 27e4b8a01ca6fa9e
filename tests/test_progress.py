import io

from collablib.build.progress import PlainProgress, RichProgress, make_progress
from collablib.build.render import BuildResult


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_progress_prints_one_line_per_cohort():
    stream = io.StringIO()
    progress = PlainProgress(stream)
    progress.start(3)
    progress.started("a")
    progress.finished(BuildResult("a", "built", seconds=4.25, why="its data changed"))
    progress.finished(BuildResult("b", "up to date"))
    progress.finished(BuildResult("c", "failed", reason="bad value\nmore"))
    progress.close()
    assert stream.getvalue().splitlines() == [
        "[1/3] a: built in 4.2 s (its data changed)",
        "[2/3] b: up to date",
        "[3/3] c: FAILED (bad value)",
    ]


def test_plain_lines_when_not_a_terminal_or_in_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    assert isinstance(make_progress(io.StringIO()), PlainProgress)
    monkeypatch.setenv("CI", "true")
    assert isinstance(make_progress(FakeTerminal()), PlainProgress)


def test_live_display_in_a_terminal_shows_done_total_running_and_time(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    stream = FakeTerminal()
    progress = make_progress(stream)
    assert isinstance(progress, RichProgress)
    progress.start(2)
    progress.started("cohort-2")
    assert "cohort-2" in progress._running_text()
    progress.finished(BuildResult("cohort-2", "built", seconds=1.0))
    progress.close()
    text = stream.getvalue()
    assert "cohort-2: built" in text and "1/2" in text
