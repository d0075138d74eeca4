"""Saving is atomic and safe: an exclusive temporary file (never a planted symlink), os.replace, clean failures
named in chainnet's words, nothing left behind (issue 9, sections 1 and 6)."""

import errno
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest

from chainnet import ChainnetError, NeuralNetwork, SaveError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def net(toy):
    return NeuralNetwork("y ~ x + g", data=toy, hidden=2, seed=0)


def _child(code: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1", **env), check=False)


def test_a_planted_symlink_is_never_followed(net, tmp_path, monkeypatch):
    """Symlinks at the old predictable name (path.tmp-<pid>) and at the name mkstemp tries first: O_EXCL
    refuses them, mkstemp moves on, the links' target is untouched and the links stay links."""
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    planted = [tmp_path / n for n in ("m.npz.tmp", f"m.npz.tmp-{os.getpid()}", f"m.npz.tmp-{os.getpid()}-guess")]
    for link in planted:
        link.symlink_to(victim)
    candidates = iter(["guess", "guess", "fresh"])             # an attacker who guessed the random name
    monkeypatch.setattr(tempfile, "_get_candidate_names", lambda: candidates)
    net.save(tmp_path / "m.npz")
    assert victim.read_text() == "precious"
    assert all(link.is_symlink() and link.resolve() == victim for link in planted)
    assert not (tmp_path / "m.npz").is_symlink()
    np.testing.assert_array_equal(NeuralNetwork.load(tmp_path / "m.npz").W1, net.W1)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["m.npz", "victim.txt", *(p.name for p in planted)])


def test_two_threads_saving_to_one_path_both_succeed(toy, tmp_path):
    nets = [NeuralNetwork("y ~ x", data=toy, hidden=h, seed=0) for h in (1, 3)]
    path, errors = tmp_path / "m.npz", []
    for _ in range(20):
        barrier = threading.Barrier(2)

        def save(net, barrier=barrier):
            barrier.wait()
            try:
                net.save(path)
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)
        threads = [threading.Thread(target=save, args=(n,)) for n in nets]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    assert tuple(NeuralNetwork.load(path).hidden) in ((1,), (3,))
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(net, tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    net.save(path)
    before = path.read_bytes()

    def full_disk(fh, **arrays):
        fh.write(b"PK partial")
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(np, "savez", full_disk)
    with pytest.raises(SaveError, match=r"cannot save to .*m\.npz.*No space left.*free some disk space") as info:
        net.save(path)
    assert isinstance(info.value, OSError) and isinstance(info.value, ChainnetError)

    def interrupted(fh, **arrays):
        fh.write(b"PK partial")
        raise KeyboardInterrupt
    monkeypatch.setattr(np, "savez", interrupted)
    with pytest.raises(KeyboardInterrupt):
        net.save(path)
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["m.npz"]


def test_a_real_file_size_limit_is_a_save_error(tmp_path):
    out = _child(f"""
        import resource, signal
        from chainnet import NeuralNetwork, SaveError, datasets
        net = NeuralNetwork("Species ~ .", data=datasets.load_iris(), hidden=5, seed=0)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)          # the write fails with EFBIG instead of a signal
        resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192))
        try:
            net.save({str(tmp_path / 'm.npz')!r})
        except SaveError as exc:
            print("SaveError:", exc)
    """)
    assert out.returncode == 0, out.stderr
    assert "SaveError: cannot save to" in out.stdout and "ulimit -f" in out.stdout, out.stdout
    assert list(tmp_path.iterdir()) == []


def test_a_killed_save_is_cleaned_up_by_the_next_save(net, tmp_path):
    """A process killed (SIGKILL) in the middle of np.savez leaves its temporary file: the next save to the
    same path removes it, as its process is gone."""
    out = _child(f"""
        import os, signal
        import numpy as np
        from chainnet import NeuralNetwork, datasets
        net = NeuralNetwork("Species ~ .", data=datasets.load_iris(), hidden=5, seed=0)
        def killed(fh, **arrays):
            fh.write(b"PK half a model")
            fh.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        np.savez = killed
        net.save({str(tmp_path / 'm.npz')!r})
    """)
    assert out.returncode == -signal.SIGKILL
    left = [p.name for p in tmp_path.iterdir()]
    assert len(left) == 1 and left[0].startswith("m.npz.tmp-")
    net.save(tmp_path / "m.npz")
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]


def test_bad_targets_are_save_errors_naming_the_path_and_the_fix(net, tmp_path):
    (tmp_path / "folder").mkdir()
    for path, message in [("", "the path is empty; give a file name"),
                          (tmp_path / "folder", "is a folder; give a file name inside it"),
                          (tmp_path / "nowhere" / "m.npz", "there is no folder .*create it first")]:
        with pytest.raises(SaveError, match=message):
            net.save(path)
    assert [p.name for p in tmp_path.iterdir()] == ["folder"] and list((tmp_path / "folder").iterdir()) == []


def test_the_file_gets_ordinary_permissions(net, tmp_path):
    """mkstemp creates 0600; the saved file gets what open() would give (0666 less the umask), and a replaced
    file keeps its own mode."""
    mask = os.umask(0o022)
    try:
        net.save(tmp_path / "new.npz")
        assert (tmp_path / "new.npz").stat().st_mode & 0o777 == 0o644
        os.chmod(tmp_path / "new.npz", 0o600)
        net.save(tmp_path / "new.npz")
        assert (tmp_path / "new.npz").stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(mask)


def test_the_command_line_names_a_bad_save_target_in_one_line(tmp_path, toy):
    import contextlib
    import io

    from chainnet.cli import main
    toy.to_csv(tmp_path / "toy.csv", index=False)
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["fit", "y ~ x", str(tmp_path / "toy.csv"), "--iterations", "2", "--save", str(tmp_path)])
    assert code == 2
    line = (f"chainnet: error: cannot save to {str(tmp_path)!r}: it is a folder; give a file name inside it, "
            f"e.g. {str(tmp_path / 'model.npz')!r}")
    assert err.getvalue().strip().splitlines() == [line]          # before any training: no trace lines
