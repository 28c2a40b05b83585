"""Crash recovery that survives its own accidents: damaged recovery files, two windows, a declined offer.

An earlier session that crashed is a real process: :func:`crashed_session` starts the app in a
subprocess, edits the sample city, lets the autosave run and kills the process (``os._exit``, no
clean-up). Each test starts from a copy of what it left and then starts the app as a user does
(:func:`ui.app.start_window`), answering the message boxes by clicking their buttons.
"""

from __future__ import annotations

import errno
import io
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox
from test_ui_support import new_window, sample_project_path

pytestmark = pytest.mark.gui

REPO = Path(__file__).resolve().parent.parent

CRASHING_SESSION = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    sys.path.insert(0, sys.argv[1])
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication
    from ui.main_window import MainWindow

    app = QApplication([])
    settings = QSettings(sys.argv[3], QSettings.Format.IniFormat)
    win = MainWindow(settings, recovery_dir=Path(sys.argv[2]))
    assert win.open_project(Path(sys.argv[4]), ask=False)
    win.doc.set_selection(win.doc.project.zones_layer, [4])
    win.set_priority(1)
    win.autosave()
    deadline = time.monotonic() + 120
    while win._autosave_worker is not None and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    os._exit(3)  # a crash: no clean close, nothing cleared
    """
)


@pytest.fixture(scope="module")
def crashed_session(tmp_path_factory) -> Path:
    """The recovery folder a crashed session left (zone 4 set to priority 1, unsaved)."""
    base = tmp_path_factory.mktemp("crashed")
    recovery = base / "recovery"
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(base / "config"),
        "XDG_DATA_HOME": str(base / "data"),
        "XDG_CACHE_HOME": str(base / "cache"),
    }
    sample = sample_project_path(base)
    done = subprocess.run(
        [sys.executable, "-c", CRASHING_SESSION, str(REPO), str(recovery), str(base / "s.ini"), str(sample)],
        capture_output=True, text=True, env=env, cwd=base, timeout=300,
    )  # fmt: skip
    assert done.returncode == 3, done.stderr
    assert len(list(recovery.rglob("autosave.json"))) == 1, done.stderr
    assert len(list(recovery.rglob("autosave.cityplan"))) == 1, done.stderr
    return recovery


def plant(crashed_session: Path, tmp_path: Path) -> Path:
    """Put the crashed session's recovery folder where this test's windows look for it."""
    recovery = tmp_path / "recovery"
    shutil.copytree(crashed_session, recovery)
    return recovery


def only(paths) -> Path:
    found = list(paths)
    assert len(found) == 1, found
    return found[0]


class Dialogs:
    """Answer the app's message boxes as a user does: click the first of ``answers`` a box offers
    (else its OK button), recording ``(kind, text)`` of each box ('question' or 'message')."""

    def __init__(self, *answers: str) -> None:
        self.answers = answers
        self.seen: list[tuple[str, str]] = []
        self._timer = QTimer()
        self._timer.setInterval(10)
        self._timer.timeout.connect(self._answer)

    def __enter__(self) -> Dialogs:
        self._timer.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._timer.stop()

    def _answer(self) -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox) or not box.isVisible():
            return
        for name in self.answers:
            button = box.button(getattr(QMessageBox.StandardButton, name))
            if button is not None:
                self.seen.append(("question", box.text()))
                break
        else:
            button = box.button(QMessageBox.StandardButton.Ok)
            assert button is not None, f"no button to answer {box.text()!r}"
            self.seen.append(("message", box.text()))
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)

    def kinds(self) -> list[str]:
        return [kind for kind, _text in self.seen]

    def messages(self) -> list[str]:
        return [text for kind, text in self.seen if kind == "message"]


def start(qtbot, tmp_path: Path, *answers: str):
    """Start the app as ``make run`` does (the sample named), answering its dialogs with ``answers``."""
    from ui.app import start_window

    win = new_window(qtbot, tmp_path, show=False)
    with Dialogs(*answers) as dialogs:
        start_window(sample_project_path(tmp_path), window=win)
    return win, dialogs


def edited_window(qtbot, tmp_path: Path, zone: int, tier: int):
    """A window on the sample city with one unsaved priority tier, autosaved."""
    win = new_window(qtbot, tmp_path, show=False)
    assert win.open_project(sample_project_path(tmp_path), ask=False)
    win.doc.set_selection(win.doc.project.zones_layer, [zone])
    win.set_priority(tier)
    autosave(qtbot, win)
    return win


def autosave(qtbot, win) -> None:
    win.autosave()
    qtbot.waitUntil(lambda: win._autosave_worker is None, timeout=60_000)


def test_a_truncated_recovery_record_is_moved_aside_and_the_app_starts(qtbot, tmp_path, crashed_session):
    """It was a JSONDecodeError at every start."""
    recovery = plant(crashed_session, tmp_path)
    record = only(recovery.rglob("autosave.json"))
    truncated = record.read_bytes()[: len(record.read_bytes()) // 2]
    record.write_bytes(truncated)

    win, dialogs = start(qtbot, tmp_path, "No")

    assert len(dialogs.messages()) == 1, dialogs.seen
    message = dialogs.messages()[0]
    assert str(record) in message and "corrupt-" in message and "Traceback" not in message
    assert not record.exists()
    moved = only(recovery.rglob("autosave.json.corrupt-*"))
    assert moved.read_bytes() == truncated
    assert win.doc.path == sample_project_path(tmp_path) and not win.doc.is_dirty
    # Moved aside once, said once: the next start is quiet.
    _again, dialogs = start(qtbot, tmp_path, "No")
    assert dialogs.seen == []


def test_closing_one_window_cleanly_keeps_the_other_windows_recovery_copy(qtbot, tmp_path):
    """Two windows shared one recovery file: the first clean close deleted the other's unsaved work."""
    from cityplanner.store import load_project

    first = edited_window(qtbot, tmp_path, zone=1, tier=3)
    second = edited_window(qtbot, tmp_path, zone=2, tier=1)
    with Dialogs("Discard") as dialogs:
        assert first.close()
    assert dialogs.kinds() == ["question"]  # "Save the changes …?" answered Discard
    assert not first.recovery_file.exists()

    assert second.recovery_file.exists() and second.recovery_info.exists()
    assert load_project(second.recovery_file).priority.get(2) == 1
    # Another instance starting now neither offers nor touches the copy of a window still open.
    third, dialogs = start(qtbot, tmp_path, "Yes")
    assert dialogs.seen == [] and third.doc.project.priority.get(2) is None
    assert load_project(second.recovery_file).priority.get(2) == 1
    # Its own clean close clears its own copy.
    second.doc.undo_stack.setClean()
    assert second.close()
    assert not second.recovery_file.exists()


def test_a_garbage_recovery_project_is_offered_once_then_never_again(qtbot, tmp_path, crashed_session):
    """The failed restore was offered again at every start."""
    recovery = plant(crashed_session, tmp_path)
    copy = only(recovery.rglob("autosave.cityplan"))
    garbage = b"not a project at all\n" * 50
    copy.write_bytes(garbage)

    win, dialogs = start(qtbot, tmp_path, "Yes")

    assert dialogs.kinds() == ["question", "message"], dialogs.seen
    assert str(copy) in dialogs.messages()[0] and "corrupt-" in dialogs.messages()[0]
    assert only(recovery.rglob("autosave.cityplan.corrupt-*")).read_bytes() == garbage
    assert not list(recovery.rglob("autosave.cityplan"))
    # The failed restore fell back to the project named on the command line.
    assert win.doc.path == sample_project_path(tmp_path) and not win.doc.is_dirty
    _again, dialogs = start(qtbot, tmp_path, "Yes")
    assert dialogs.seen == []


def test_declining_clears_that_offer_only(qtbot, tmp_path, crashed_session):
    """Declining the crashed session's copy removes it, never the copy of a window still open."""
    from cityplanner.store import load_project

    recovery = plant(crashed_session, tmp_path)
    open_window = edited_window(qtbot, tmp_path, zone=2, tier=1)

    win, dialogs = start(qtbot, tmp_path, "No")

    assert dialogs.kinds() == ["question"], dialogs.seen
    assert win.doc.project.priority.get(4) is None  # declined: the named project as saved
    assert only(recovery.rglob("autosave.cityplan")) == open_window.recovery_file
    assert load_project(open_window.recovery_file).priority.get(2) == 1
    _again, dialogs = start(qtbot, tmp_path, "Yes")
    assert dialogs.seen == []


def test_accepting_restores_the_crashed_sessions_work_once(qtbot, tmp_path, crashed_session):
    plant(crashed_session, tmp_path)
    win, dialogs = start(qtbot, tmp_path, "Yes")
    assert dialogs.kinds() == ["question"] and "did not close normally" in dialogs.seen[0][1]
    assert win.doc.project.priority.get(4) == 1 and win.doc.is_dirty
    assert win.doc.path == sample_project_path(tmp_path)
    # The restored copy now belongs to this window: not offered to another start while it runs.
    _other, dialogs = start(qtbot, tmp_path, "Yes")
    assert dialogs.seen == []
    assert win.recovery_file.exists()


def test_the_one_shared_copy_of_earlier_versions_is_still_offered(qtbot, tmp_path, crashed_session):
    recovery = plant(crashed_session, tmp_path)
    for path in list(recovery.rglob("autosave.*")):
        path.rename(recovery / path.name)  # where earlier versions kept their single copy
    win, dialogs = start(qtbot, tmp_path, "Yes")
    assert dialogs.kinds() == ["question"], dialogs.seen
    assert win.doc.project.priority.get(4) == 1
    assert not (recovery / "autosave.json").exists() and not (recovery / "autosave.cityplan").exists()
    assert win.recovery_file.exists()


@pytest.fixture
def window(qtbot, tmp_path):
    return edited_window(qtbot, tmp_path, zone=0, tier=2)


def test_a_failing_record_write_leaves_the_previous_record_intact(qtbot, window, monkeypatch):
    """The record was rewritten in place: a full disk left half a file (then the start-up crash)."""
    before = window.recovery_info.read_bytes()
    assert json.loads(before)["path"] == str(window.doc.path)
    real_open = io.open

    class DiskFull:
        def __init__(self, file) -> None:
            self.file = file

        def write(self, data):
            self.file.write(data[: len(data) // 2])
            self.file.flush()
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def __enter__(self):
            return self

        def __exit__(self, *_exc) -> None:
            self.file.close()

        def __getattr__(self, name):
            return getattr(self.file, name)

    def full_disk_open(file, mode="r", *args, **kwargs):
        handle = real_open(file, mode, *args, **kwargs)
        named = isinstance(file, str | os.PathLike) and "autosave.json" in os.fspath(file)
        return DiskFull(handle) if named and any(flag in mode for flag in "wxa") else handle

    monkeypatch.setattr(io, "open", full_disk_open)
    monkeypatch.setattr("builtins.open", full_disk_open)
    window.doc.set_selection(window.doc.project.zones_layer, [3])
    window.set_priority(1)
    autosave(qtbot, window)
    monkeypatch.undo()

    assert window.recovery_info.read_bytes() == before
    assert not [p.name for p in window.recovery_info.parent.iterdir() if "tmp" in p.name]
    assert "Autosave failed" in window.statusBar().currentMessage()
    assert "No space left on device" in window.statusBar().currentMessage()


def test_slots_of_running_instances_are_never_claimed(tmp_path):
    """Another process's slot is left alone while it runs, and offered once it has ended."""
    from ui import recovery

    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; sys.path.insert(0, sys.argv[1]); from pathlib import Path;"
            "from ui.recovery import RecoverySlot;"
            "slot = RecoverySlot(Path(sys.argv[2])); slot.write_record({'name': 'Other'});"
            "slot.project_file.write_bytes(b'x'); print('ready', flush=True); sys.stdin.read()",
            str(REPO),
            str(tmp_path),
        ],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "ready"
        claimed, problems = recovery.claim_orphans(tmp_path)
        assert claimed == [] and problems == []
        assert len(list(tmp_path.rglob("autosave.json"))) == 1
    finally:
        holder.kill()
        holder.wait()
    claimed, problems = recovery.claim_orphans(tmp_path)
    assert problems == [] and [slot.record["name"] for slot in claimed] == ["Other"]
    # Claimed by this process now: a second look (another instance) does not get it too.
    assert recovery.claim_orphans(tmp_path) == ([], [])
    claimed[0].discard()
    assert not list(tmp_path.rglob("autosave.*"))
