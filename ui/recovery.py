"""Crash-recovery copies: one slot per window, owned through an OS file lock, written atomically.

Layout of the recovery folder (by default in the user's app data folder)::

    recovery/
        slot-<pid>-<random>/        one per window that has autosaved
            owner.lock              locked by the window's process for as long as the slot is its
            autosave.cityplan       the project copy (the engine's save: temporary file, fsync, rename)
            autosave.json           the record: original path, time, title (same atomic write here)
        autosave.json.corrupt-<timestamp>   a damaged file, moved aside and kept for the user

The operating system drops a lock when its process ends, however it ends, so a slot whose lock
can be taken belongs to a session that did not close normally: only those are offered at start-up
(:func:`claim_orphans`), and taking the lock claims the slot, so two instances starting together
never both offer it. A slot is deleted only by the holder of its lock: closing one window never
touches another window's copy. Lock-file ownership survives pid reuse, unlike a recorded pid.

Qt-free: the main window asks the questions and shows the messages.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from cityplanner.errors import ProjectError

PROJECT_NAME = "autosave.cityplan"
RECORD_NAME = "autosave.json"
LOCK_NAME = "owner.lock"
SLOT_PREFIX = "slot-"
# A slot this young without its owner stamp may be one another instance is creating right now.
CREATING_SECONDS = 30.0
RECORD_KEYS = ("path", "saved_at", "name")


@dataclass(frozen=True)
class Damaged:
    """A recovery file that could not be read: ``moved_to`` is where it now is (None: removed)."""

    file: Path
    moved_to: Path | None


class RecoverySlot:
    """One window's recovery copy: a folder under ``recovery_dir``, created at the first write.

    Parameters
    ----------
    recovery_dir : pathlib.Path
        The recovery folder shared by every instance.
    """

    def __init__(self, recovery_dir: Path, folder: Path | None = None, lock: int | None = None) -> None:
        self.recovery_dir = Path(recovery_dir)
        self.folder = folder or self._new_folder()
        self._lock = lock
        # What the record said (for a claimed slot): path, saved_at, name (strings, any missing).
        self.record: dict[str, str] = {}

    def _new_folder(self) -> Path:
        return self.recovery_dir / f"{SLOT_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"

    @property
    def project_file(self) -> Path:
        return self.folder / PROJECT_NAME

    @property
    def record_file(self) -> Path:
        return self.folder / RECORD_NAME

    @property
    def held(self) -> bool:
        """True while this process holds the slot's lock (it may write and delete the slot)."""
        return self._lock is not None

    def ensure(self) -> None:
        """Create the slot folder and take its lock (once; anew after :meth:`discard`)."""
        if self._lock is not None:
            return
        if self.folder.exists():  # released, or a remnant: never write into a folder not ours
            self.folder = self._new_folder()
        self.recovery_dir.mkdir(parents=True, exist_ok=True)
        self.folder.mkdir()
        fd = os.open(self.folder / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        # A start-up scan may hold it for an instant (it sees an unstamped, young slot and lets go).
        for _attempt in range(200):
            if _try_lock(fd):
                break
            time.sleep(0.01)
        else:
            os.close(fd)
            raise OSError(f"the lock {self.folder / LOCK_NAME} stays taken")
        _stamp(fd)
        self._lock = fd

    def write(self, project, record: dict[str, str]) -> None:
        """Write the project copy, then its record, each atomically (callable from a worker thread).

        Raises
        ------
        ProjectError
            One sentence naming the file or folder when either cannot be written; the previous
            copy and record are left as they were.
        """
        from cityplanner.store import save_project

        try:
            self.ensure()
        except OSError as err:
            raise ProjectError(f"Cannot create the recovery folder {self.folder}: {_reason(err)}.") from err
        save_project(project, self.project_file)
        self.write_record(record)

    def write_record(self, record: dict[str, str]) -> None:
        """Replace the record atomically: a failed write leaves the previous one intact."""
        try:
            self.ensure()
            write_atomically(self.record_file, json.dumps(record, ensure_ascii=False))
        except OSError as err:
            reason = _reason(err)
            raise ProjectError(f"Cannot write the recovery record {self.record_file}: {reason}.") from err

    def release(self) -> None:
        """Let the lock go and leave the files: what the end of the process does.

        A later start-up then offers the slot (after a crash, or for slots claimed but not offered).
        """
        if self._lock is not None:
            _unlock_and_close(self._lock)
            self._lock = None

    def discard(self) -> None:
        """Delete the slot (its copy, its record, its folder); only the lock's holder may.

        Files that cannot be deleted are left; the clear is best effort, never an error.
        """
        if self._lock is None:
            return
        with contextlib.suppress(OSError):
            for path in self.folder.iterdir():
                if path.name == LOCK_NAME:
                    continue
                with contextlib.suppress(OSError):
                    if path.is_dir():
                        shutil.rmtree(path)
                    else:
                        path.unlink()
        self.release()
        with contextlib.suppress(OSError):
            (self.folder / LOCK_NAME).unlink()
        with contextlib.suppress(OSError):
            self.folder.rmdir()

    def move_aside(self, path: Path) -> Damaged:
        """Move a damaged file of this slot to ``<recovery_dir>/<name>.corrupt-<timestamp>``."""
        return move_aside(path, self.recovery_dir)

    def saved_at(self) -> str:
        """When the copy was written: the record's time, else the file's."""
        if self.record.get("saved_at"):
            return self.record["saved_at"]
        try:
            return time.strftime("%Y-%m-%d %H:%M", time.localtime(self.project_file.stat().st_mtime))
        except OSError:
            return ""

    # -- claiming an orphan ---------------------------------------------------------------------
    @classmethod
    def claim(cls, recovery_dir: Path, folder: Path) -> RecoverySlot | None:
        """The slot in ``folder`` locked by this process, or None when its owner is alive (or
        it is being created)."""
        lock_path = folder / LOCK_NAME
        created = False
        try:
            fd = os.open(lock_path, os.O_RDWR)
        except FileNotFoundError:
            if _age(folder) < CREATING_SECONDS:
                return None  # its creator has made the folder and is about to lock it
            try:  # a remnant without a lock: whoever creates one claims it
                fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
            except OSError:
                return None
            created = True
        except OSError:
            return None
        if not _try_lock(fd):
            os.close(fd)
            return None
        try:
            if not created and os.fstat(fd).st_size == 0 and _age(lock_path) < CREATING_SECONDS:
                _unlock_and_close(fd)  # created, not yet stamped: its creator is locking it now
                return None
            _stamp(fd)
        except OSError:
            _unlock_and_close(fd)
            return None
        return cls(recovery_dir, folder, fd)

    def read_record(self) -> Damaged | None:
        """Load :attr:`record`; a record that cannot be read is moved aside (and returned)."""
        try:
            text = self.record_file.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None  # the copy was written, the record not yet: offered without one
        except (OSError, UnicodeDecodeError):
            return self.move_aside(self.record_file)
        try:
            record = json.loads(text)
        except ValueError:
            record = None
        if not isinstance(record, dict):
            return self.move_aside(self.record_file)
        self.record = {key: record[key] for key in RECORD_KEYS if isinstance(record.get(key), str)}
        return None


def claim_orphans(recovery_dir: Path) -> tuple[list[RecoverySlot], list[Damaged]]:
    """Claim every slot whose owner process has ended and which holds a copy, newest first.

    The slots returned are locked by this process: :meth:`RecoverySlot.discard` them once declined
    or restored elsewhere, :meth:`RecoverySlot.release` those left for a later start. Damaged
    records are moved aside on the way (returned, for a message); slots with nothing to restore
    are deleted. Never raises for the folder's state: what cannot be read is skipped.
    """
    recovery_dir = Path(recovery_dir)
    damaged: list[Damaged] = []
    slots: list[RecoverySlot] = []
    try:
        if not recovery_dir.is_dir():
            return [], []
        with contextlib.suppress(OSError):
            _adopt_single_file_copy(recovery_dir)
        folders = sorted(p for p in recovery_dir.glob(f"{SLOT_PREFIX}*") if p.is_dir())
    except OSError:
        return [], []
    for folder in folders:
        slot = RecoverySlot.claim(recovery_dir, folder)
        if slot is None:
            continue
        problem = slot.read_record()
        if problem is not None:
            damaged.append(problem)
        if slot.project_file.is_file():
            slots.append(slot)
        else:
            slot.discard()  # died before its first copy, or its copy is gone: nothing to offer
    slots.sort(key=lambda s: _mtime(s.project_file), reverse=True)
    return slots, damaged


def _adopt_single_file_copy(recovery_dir: Path) -> None:
    """Move the one shared copy earlier versions kept at the folder's top into a slot of its own."""
    old = [recovery_dir / name for name in (PROJECT_NAME, RECORD_NAME) if (recovery_dir / name).exists()]
    if not old:
        return
    slot = RecoverySlot(recovery_dir)
    slot.ensure()
    for path in old:
        with contextlib.suppress(OSError):  # another instance starting now may have moved it
            os.replace(path, slot.folder / path.name)
    slot.release()  # an orphan now: claimed (or deleted, if empty) by the scan that follows


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder, fsync, ``os.replace``.

    Any failure leaves the previous file untouched and removes the temporary file.
    """
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        with open(tmp, "x", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    if os.name == "posix":  # make the rename itself durable (Windows cannot open folders)
        with contextlib.suppress(OSError):
            fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def move_aside(path: Path, folder: Path) -> Damaged:
    """Rename ``path`` to ``folder/<name>.corrupt-<timestamp>`` (removed if even that fails)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = folder / f"{path.name}.corrupt-{stamp}"
    n = 1
    while target.exists():
        n += 1
        target = folder / f"{path.name}.corrupt-{stamp}-{n}"
    try:
        os.replace(path, target)
    except OSError:
        with contextlib.suppress(OSError):
            path.unlink()
        return Damaged(path, None)
    return Damaged(path, target)


def _try_lock(fd: int) -> bool:
    """Take the exclusive lock on ``fd`` without waiting; False when another holder has it."""
    try:
        if os.name == "nt":
            import msvcrt

            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _unlock_and_close(fd: int) -> None:
    with contextlib.suppress(OSError):
        if os.name == "nt":
            import msvcrt

            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    with contextlib.suppress(OSError):
        os.close(fd)


def _stamp(fd: int) -> None:
    """Write the holder into the lock file (for people; ownership is the lock itself)."""
    os.lseek(fd, 0, os.SEEK_SET)
    os.ftruncate(fd, 0)
    os.write(fd, f"pid {os.getpid()} on {socket.gethostname()}\n".encode())


def _age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return 0.0


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _reason(err: OSError) -> str:
    return err.strerror or str(err)
