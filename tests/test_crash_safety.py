"""Crash-safe saves (issue 7, part 6): killed, faulted, on a full disk, on a read-only mount.

A case file is saved through a temporary file in the same folder, flushed, fsynced and renamed
over the old one (DESIGN.md §5), so whatever happens the file at the path is either the whole
old version or the whole new one. These tests try to catch it in between.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

import ipt_graph as ig
from ipt_graph.errors import SaveError
from ipt_graph.io import casefile

SECRET = "ZQX synthetic label"  # stands for a name: never in an error message


def big_client(version: str, sessions: int = 150) -> ig.Client:
    """A synthetic client of about 20 kB per session (3 MB with 150 sessions)."""
    records = [{"number": n, "date": (dt.date(2026, 1, 5) + dt.timedelta(days=7 * n)).isoformat(),
                "notes": f"{version} session {n} " + "synthetic text " * 1300}
               for n in range(1, sessions + 1)]
    return ig.Client.from_dict({"client_id": "C-BIG", "label": SECRET, "notes": version,
                                "sessions": records})


def small_client() -> ig.Client:
    client = ig.Client("C-SMALL", label=SECRET)
    client.add_person("p1", label=SECRET, role="friend")
    return client


def temporaries(folder: Path) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name.endswith(".tmp"))


# --- killed while saving --------------------------------------------------------------------------

#: A helper process that forks one saver per "go": the saver saves the two versions in turn,
#: for ever, until the test kills it. Forking from a fresh single-threaded interpreter keeps
#: each round cheap (no import per round) and safe (no fork of the threaded test process).
_SAVER = textwrap.dedent("""
    import os, sys
    import ipt_graph as ig
    target, first, second = sys.argv[1:4]
    versions = [ig.load(first), ig.load(second)]
    print("ready", flush=True)
    for line in sys.stdin:
        if line.strip() != "go":
            break
        pid = os.fork()
        if pid == 0:
            try:
                turn = 0
                while True:
                    ig.save(versions[turn % 2], target)
                    turn += 1
            finally:
                os._exit(0)
        print(pid, flush=True)
        os.waitpid(pid, 0)
        print("reaped", flush=True)
""")


def _wait_for_temporary(folder: Path, timeout: float = 5.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if any(name.endswith(".tmp") for name in os.listdir(folder)):
            return True
    return False


def test_a_save_killed_at_any_moment_leaves_the_old_or_the_new_file(tmp_path):
    versions = tmp_path / "versions"
    versions.mkdir()
    old, new = ig.save(big_client("A"), versions / "a.json"), ig.save(big_client("B"),
                                                                        versions / "b.json")
    old_bytes, new_bytes = old.read_bytes(), new.read_bytes()
    assert len(old_bytes) > 2_000_000 and old_bytes != new_bytes
    folder = tmp_path / "cases"
    folder.mkdir()
    target = folder / "case.json"
    shutil.copyfile(old, target)
    os.chmod(target, 0o600)
    helper = subprocess.Popen([sys.executable, "-c", _SAVER, str(target), str(old), str(new)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "IPT_GRAPH_PROGRESS": "0"})
    rng = random.Random(20261126)
    rounds, during_temporary, seen = 30, 0, set()
    try:
        assert helper.stdout.readline().strip() == "ready"
        for round_number in range(rounds):
            helper.stdin.write("go\n")
            helper.stdin.flush()
            pid = int(helper.stdout.readline())
            if round_number % 2 == 0:  # the moment a temporary file is there
                assert _wait_for_temporary(folder), "the saver never made a temporary file"
            else:  # any moment at all
                time.sleep(rng.uniform(0.0, 0.25))
            os.kill(pid, signal.SIGKILL)
            assert helper.stdout.readline().strip() == "reaped"
            left = temporaries(folder)
            if left:  # killed while its temporary file existed: it stays behind
                during_temporary += 1
                for name in left:
                    assert (folder / name).stat().st_mode & 0o077 == 0  # private even so
                    (folder / name).unlink()
            data = target.read_bytes()
            assert data in (old_bytes, new_bytes), f"round {round_number}: a torn file"
            seen.add(data == new_bytes)
            assert ig.load(target).notes in ("A", "B")
            assert target.stat().st_mode & 0o777 == 0o600
    finally:
        helper.stdin.close()
        helper.wait(timeout=30)
        helper.stdout.close()
    assert during_temporary >= 5, f"only {during_temporary} kills hit a temporary file"
    assert seen == {True, False}  # both versions were caught in place


# --- faults at each step --------------------------------------------------------------------------


class _FailingHandle:
    """A file handle whose write writes half of the data, then fails like a full disk."""

    def __init__(self, handle, error: int):
        self._handle = handle
        self._error = error

    def write(self, data):
        self._handle.write(data[: len(data) // 2])
        self._handle.flush()
        raise OSError(self._error, os.strerror(self._error))

    def __getattr__(self, name):
        return getattr(self._handle, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._handle.close()


def _fault(monkeypatch, step: str, code: int) -> None:
    def fail(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    if step == "mkstemp":
        monkeypatch.setattr(tempfile, "mkstemp", fail)
    elif step == "write":
        real = os.fdopen
        monkeypatch.setattr(os, "fdopen", lambda fd, *a, **k: _FailingHandle(real(fd, *a, **k),
                                                                               code))
    elif step == "fsync":
        monkeypatch.setattr(os, "fsync", fail)
    elif step == "rename":
        monkeypatch.setattr(os, "replace", fail)
    else:
        raise AssertionError(step)


@pytest.mark.parametrize(("step", "code"), [
    ("mkstemp", errno.EROFS), ("mkstemp", errno.EACCES), ("write", errno.ENOSPC),
    ("write", errno.EIO), ("fsync", errno.EIO), ("rename", errno.EXDEV),
    ("rename", errno.EACCES),
])
@pytest.mark.parametrize("passphrase", [None, "pass phrase"])
def test_a_fault_at_any_step_leaves_the_old_file(tmp_path, monkeypatch, step, code, passphrase):
    path = ig.save(small_client(), tmp_path / "case.json")
    old = path.read_bytes()
    _fault(monkeypatch, step, code)
    with pytest.raises(SaveError) as caught:
        ig.save(big_client("B", sessions=20), path, passphrase=passphrase, scrypt_n=2**10)
    monkeypatch.undo()
    error = caught.value
    assert isinstance(error, OSError) and error.errno == code
    assert str(path) in str(error) and "the old file is intact" in str(error)
    assert os.strerror(code) in str(error)  # the clear reason: "No space left on device"...
    assert SECRET not in str(error) and "synthetic text" not in str(error)
    assert path.read_bytes() == old
    assert temporaries(tmp_path) == []
    assert ig.load(path) == small_client()


def test_a_failed_folder_sync_says_the_new_file_is_in_place(tmp_path, monkeypatch):
    path = ig.save(small_client(), tmp_path / "case.json")
    real = os.fsync
    calls = []

    def fsync(descriptor):
        calls.append(descriptor)
        if len(calls) == 2:  # the first syncs the file, the second the folder
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return real(descriptor)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(SaveError, match="written, but the folder could not be synced"):
        ig.save(big_client("B", sessions=3), path)
    monkeypatch.undo()
    assert ig.load(path).notes == "B" and temporaries(tmp_path) == []


def test_no_temporary_file_is_left_by_an_interrupted_save(tmp_path, monkeypatch):
    """Even a KeyboardInterrupt in the middle (not an OSError) removes the temporary."""
    path = ig.save(small_client(), tmp_path / "case.json")
    old = path.read_bytes()

    def interrupt(descriptor):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        ig.save(big_client("B", sessions=3), path)
    monkeypatch.undo()
    assert path.read_bytes() == old and temporaries(tmp_path) == []


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS])
def test_other_writers_fail_cleanly_too(tmp_path, monkeypatch, code):
    """The de-identified exports and the reports go through the same atomic write."""
    from ipt_graph import privacy
    from ipt_graph.report import write_report

    data = privacy.deidentify(small_client(), key=bytes(range(32)))
    out = tmp_path / "out"
    written = data.write("csv", out)
    before = {path.name: path.read_bytes() for path in written}
    report = write_report(small_client(), tmp_path / "report.html")
    report_bytes = report.read_bytes()
    _fault(monkeypatch, "rename", code)
    with pytest.raises(SaveError):
        data.write("csv", out)
    with pytest.raises(SaveError):
        write_report(small_client(), report)
    monkeypatch.undo()
    assert {path.name: path.read_bytes() for path in written} == before
    assert report.read_bytes() == report_bytes
    assert temporaries(out) == [] and temporaries(tmp_path) == []


# --- a real full disk and a real read-only mount --------------------------------------------------

#: Run in a private mount namespace (``unshare -m``): a 1 MB tmpfs to fill, and a tmpfs
#: remounted read-only. Root ignores file modes, so chmod cannot make a read-only folder.
_MOUNTED = textwrap.dedent("""
    import json, os, subprocess, sys
    base = sys.argv[1]
    full, readonly = os.path.join(base, "full"), os.path.join(base, "readonly")
    def mount(*args):
        done = subprocess.run(["mount", *args], capture_output=True, text=True)
        if done.returncode:
            print(json.dumps({"unavailable": "mount " + " ".join(args) + ": "
                              + done.stderr.strip()}))
            sys.exit(0)
    mount("-t", "tmpfs", "-o", "size=1m", "tmpfs", full)
    mount("-t", "tmpfs", "-o", "size=16m", "tmpfs", readonly)
    sys.path.insert(0, sys.argv[2])
    import ipt_graph as ig
    from test_crash_safety import big_client, small_client
    out = {}
    for name, folder in (("full", full), ("readonly", readonly)):
        path = os.path.join(folder, "case.json")
        ig.save(small_client(), path)
        old = open(path, "rb").read()
        if name == "readonly":
            mount("-o", "remount,ro", folder)
        try:
            ig.save(big_client("B"), path)
            out[name] = {"saved": True}
        except ig.SaveError as error:
            out[name] = {"errno": error.errno, "message": str(error)}
        out[name]["intact"] = open(path, "rb").read() == old
        out[name]["files"] = sorted(os.listdir(folder))
    print(json.dumps(out))
""")


def test_a_real_full_disk_and_read_only_mount_leave_the_old_file(tmp_path):
    unshare = shutil.which("unshare")
    if unshare is None or shutil.which("mount") is None:
        pytest.skip("needs unshare and mount (util-linux); the injected ENOSPC and EROFS "
                    "faults above test the same promise")
    for name in ("full", "readonly"):
        (tmp_path / name).mkdir()
    done = subprocess.run([unshare, "-m", sys.executable, "-c", _MOUNTED, str(tmp_path),
                           str(Path(__file__).parent)], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "IPT_GRAPH_PROGRESS": "0"})
    if done.returncode != 0 and "unshare" in done.stderr:
        pytest.skip(f"no private mount namespace here ({done.stderr.strip()[:200]}); the "
                    "injected ENOSPC and EROFS faults above test the same promise")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if "unavailable" in result:
        pytest.skip(f"cannot mount a tmpfs here ({result['unavailable'][:200]}); the injected "
                    "ENOSPC and EROFS faults above test the same promise")
    full, readonly = result["full"], result["readonly"]
    assert full["errno"] == errno.ENOSPC and "No space left on device" in full["message"]
    assert readonly["errno"] == errno.EROFS and "Read-only file system" in readonly["message"]
    for outcome in (full, readonly):
        assert outcome["intact"] and outcome["files"] == ["case.json"]
        assert "the old file is intact" in outcome["message"]
        assert SECRET not in outcome["message"]


def test_casefile_module_promises_atomic_saves():
    doc = casefile.save.__doc__
    assert "os.replace" in doc and "fsync" in doc
