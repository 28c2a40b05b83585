"""Saves of the sample project killed at random moments: the file is always the old or the new version.

``test_store_crash`` kills one big save at three chosen sizes of its temporary file; this test kills
many saves of the real sample project at random moments (seeded, so a failure can be replayed),
from before the temporary file exists to after the rename. A server process loads the sample once
and forks one child per save (so a save starts in milliseconds, not after seconds of imports); the
test SIGKILLs the child after a random delay drawn from 0 to 1.3 times the length of a whole save.

After every kill the project must open, as the version saved last before or the version being
saved; only the killed child's own temporary files may be left; and after the next save that
completes, no temporary file is left at all.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cityplanner.store import load_project

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "sample_data" / "hai_chau.cityplan"
KILLS = 50
SEED = 15

pytestmark = pytest.mark.skipif(
    not hasattr(os, "fork") or not hasattr(signal, "SIGKILL"), reason="needs POSIX"
)

# Reads commands on stdin: "save NAME" forks a child that saves the sample as version NAME and
# prints "pid N", then "done STATUS" when the child ended (killed or not); "quit" ends.
_SERVER = r"""
import os, sys, time
from cityplanner.store import load_project, save_project

project = load_project(sys.argv[1])
target = sys.argv[2]
print("ready", flush=True)
for line in sys.stdin:
    command, _, name = line.strip().partition(" ")
    if command == "quit":
        break
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            project.name = name
            save_project(project, target)
            code = 0
        finally:
            os._exit(code)
    print(f"pid {pid}", flush=True)
    _, status = os.waitpid(pid, 0)
    print(f"done {status} {time.monotonic() - start:.3f}", flush=True)
"""


class _Server:
    def __init__(self, target: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO), "ARROW_DEFAULT_MEMORY_POOL": "system"}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _SERVER, str(SAMPLE), str(target)],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self._line() == "ready"

    def _line(self) -> str:
        line = self.proc.stdout.readline().strip()
        if not line:
            raise AssertionError(f"save server ended: {self.proc.stderr.read()[-3000:]}")
        return line

    def save(self, name: str, kill_after: float | None = None) -> tuple[int, bool, float]:
        """Save as ``name`` in a child, SIGKILLed after ``kill_after`` s; (pid, killed, seconds)."""
        self.proc.stdin.write(f"save {name}\n")
        self.proc.stdin.flush()
        pid = int(self._line().split()[1])
        if kill_after is not None:
            time.sleep(kill_after)
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass  # already ended (the server has not reaped it yet, or it has)
        _, status, seconds = self._line().split()
        status = int(status)
        killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        if not killed:
            assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, f"save of {name} failed ({status})"
        return pid, killed, float(seconds)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.flush()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            stream.close()


def _leftovers(folder: Path, target: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p != target)


def test_saves_killed_at_random_moments_leave_the_old_or_the_new_version(tmp_path: Path) -> None:
    if not SAMPLE.exists():
        pytest.skip("needs sample_data/hai_chau.cityplan")
    target = tmp_path / "plan.cityplan"
    server = _Server(target)
    rng = random.Random(SEED)
    try:
        _, killed, whole = server.save("Version 0")  # a complete save: its length sets the kill window
        assert not killed
        current = "Version 0"
        outcomes = {"old": 0, "new": 0}
        since_complete: set[int] = set()  # saves run since the last one that completed
        for i in range(1, KILLS + 1):
            name = f"Version {i}"
            pid, killed, _ = server.save(name, kill_after=rng.uniform(0.0, 1.3 * whole))
            since_complete = since_complete | {pid} if killed else set()
            opened = load_project(target).name
            assert opened in (current, name), f"kill {i}: the project opened as '{opened}'"
            outcomes["new" if opened == name else "old"] += 1
            current = opened
            # Only killed saves' own temporary files (and SQLite's journal) may be left: this one's,
            # or an earlier killed one's when this save was killed before it could clear them.
            for leftover in _leftovers(tmp_path, target):
                owners = [p for p in since_complete if f".tmp-{p}" in leftover]
                assert owners, f"kill {i}: {leftover} left beside the project"
            if i % 10 == 0:
                # The next save that completes removes what killed saves left.
                server.save(f"Version {i}b")
                since_complete = set()
                current = f"Version {i}b"
                assert _leftovers(tmp_path, target) == [], f"after save {i}b"
                assert load_project(target).name == current
        # The kills fell both before and after the new file replaced the old one.
        assert outcomes["old"] >= 5 and outcomes["new"] >= 5, outcomes
        server.save("Final")
    finally:
        server.close()
    assert _leftovers(tmp_path, target) == []
    assert load_project(target).name == "Final"
