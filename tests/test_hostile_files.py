"""Loading never runs code: hostile model files and formulas, each built from a real saved model through the
public API, then opened in a CHILD process under a memory limit and a timeout, with a canary file the payload
would create. Every attack must end in a one-line ModelFileError / FormulaError, never a payload run, an exit,
a hang or a MemoryError. (issue 9, section 1)
"""

import io
import json
import os
import subprocess
import sys
import textwrap
import zipfile
import zlib
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import pytest

from chainnet import NeuralNetwork, datasets

ROOT = Path(__file__).resolve().parents[1]
MEMORY = 1 << 30          # RLIMIT_AS of every child: 1 GiB (chainnet imported takes about 250 MB of it)
TIMEOUT = 120             # seconds for a whole child, all its attacks (each takes well under a second)
FORMULA = "Species ~ Sepal.Length + Petal.Width + size"


# ---------------------------------------------------------------------------------------------- the child
PRELUDE = """
import contextlib, io, json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, ({memory}, {memory}))
from chainnet import ChainnetError, NeuralNetwork
from chainnet.cli import main

def attempt(name, run):
    t = time.perf_counter()
    try:
        run()
        outcome = ("ran", "")
    except ChainnetError as exc:
        outcome = (type(exc).__name__, str(exc))
    except BaseException as exc:   # a payload's SystemExit, a MemoryError, a raw error: reported, then fails
        outcome = ("ESCAPED " + type(exc).__name__, str(exc)[:300])
    peak = hiwater()
    print(json.dumps([name, *outcome, time.perf_counter() - t, peak]), flush=True)

def hiwater():   # peak resident kB of this process (VmHWM; ru_maxrss counts the parent's pages before exec)
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))

def cli(*argv):
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(list(argv))
    lines = err.getvalue().strip().splitlines()
    if code != 2 or len(lines) != 1 or not lines[0].startswith("chainnet: error: "):
        raise RuntimeError(f"exit {{code}}, stderr {{err.getvalue()!r}}")
    raise ChainnetError(lines[0])
"""


def child(body: str, timeout: float = TIMEOUT) -> dict:
    """Run ``body`` after PRELUDE in a fresh interpreter; returns {attack: (outcome, message, seconds)} and
    prints the resident memory each attack raised the child's peak to."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               MKL_NUM_THREADS="1", MPLBACKEND="Agg", PYTHONBREAKPOINT="0")
    code = PRELUDE.format(memory=MEMORY) + textwrap.dedent(body)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, env=env,
                         stdin=subprocess.DEVNULL, check=False)
    assert out.returncode == 0, f"the child ended with {out.returncode} (a payload's exit?): {out.stderr[-2000:]}"
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    peaks = [(peak, name) for name, *_, peak in lines]
    print("peak resident kB after each attack:", peaks)
    return {name: (kind, message, seconds) for name, kind, message, seconds, _ in lines}


def assert_refused(results: dict, names, kinds=("ModelFileError",)) -> None:
    assert set(results) == set(names), set(names) ^ set(results)
    for name, (kind, message, _) in results.items():
        assert kind in kinds, (name, kind, message)
        assert "\n" not in message.strip(), (name, message)


# ---------------------------------------------------------------------------------------------- files
@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    d = tmp_path_factory.mktemp("hostile")
    iris = datasets.load_iris()
    iris["size"] = np.where(iris["Petal.Length"] > 4, "big", "small")
    iris.to_csv(d / "iris.csv", index=False)
    NeuralNetwork(FORMULA, data=iris, hidden=2, seed=0).train(3, trace=0).save(d / "good.npz")
    return d


def _members(path):
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    return json.loads(arrays.pop("meta").tobytes()), arrays


def _write(path, meta, arrays):
    np.savez(path, meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8), **arrays)
    return path


def builtin_as_column(workdir, name: str, call: str, predictor: bool):
    """The issue's attack: declare a builtin as a column of the design and call it in the formula."""
    meta, arrays = _members(workdir / "good.npz")
    canary = workdir / f"PWNED-{name}-{predictor}"
    meta["design"]["dtypes"][name] = "float64"
    meta["design"]["formula"] = f"{FORMULA} + I({call.format(canary=canary)})"
    if predictor:
        meta["design"]["predictors"].append(name)
        meta["design"]["numeric"].append(name)
    return _write(workdir / f"builtin-{name}-{predictor}.npz", meta, arrays)


BUILTIN_PAYLOADS = {
    "open": "open('{canary}', 'w')",
    "eval": "eval(\"open('{canary}', 'w')\")",
    "exit": "exit(3)",
    "__import__": "__import__('os').system('touch {canary}')",
    "getattr": "getattr(np, 'save')('{canary}', Sepal.Length)",
    "globals": "globals()",
}
FORMULA_PAYLOADS = {   # denial of service: each would hang or take gigabytes if it ran
    "power": "I(10**10**10)",
    "repetition": "I('a'*10**9)",
    "format": "I('%0999999999d' % 1)",
    "text column repetition": "I(size * 10**9)",
    "power of a column": "I(Sepal.Length * 10**10**10)",
    "poly degree": "poly(Sepal.Length, 100000)",
    "formula power": "(Sepal.Length + Petal.Width)^100",
    "deep nesting": "I(" + "-" * 3000 + "Sepal.Length)",
    "parentheses": "(" * 3000 + "Sepal.Length" + ")" * 3000,
}


def formula_payload(workdir, name, term):
    meta, arrays = _members(workdir / "good.npz")
    meta["design"]["formula"] = f"{FORMULA} + {term}"
    return _write(workdir / f"formula-{name.replace(' ', '-')}.npz", meta, arrays)


class _Deflate:
    """A zlib compressor that compresses each distinct chunk once (after a full flush the compressed bytes of
    an identical chunk are identical), so a 2 GB zip bomb is written in a second."""

    def __init__(self):
        self.z, self.memo = zlib.compressobj(9, zlib.DEFLATED, -15), {}

    def compress(self, data):
        if data not in self.memo:
            self.memo[data] = self.z.compress(data) + self.z.flush(zlib.Z_FULL_FLUSH)
        return self.memo[data]

    def flush(self):
        return self.z.flush()


def _deflated(path, name: str, pieces, others: dict, monkeypatch):
    """An archive whose member ``name`` is the concatenation of ``pieces`` (bytes, repeats), deflated, next
    to the ``others`` (stored as np.savez stores them)."""
    with zipfile.ZipFile(path, "w") as z:
        for key, value in others.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asarray(value), allow_pickle=False)
            z.writestr(f"{key}.npy", buffer.getvalue())
        with monkeypatch.context() as m:
            m.setattr(zipfile, "_get_compressor", lambda *a, **k: _Deflate())
            info = zipfile.ZipInfo(f"{name}.npy")
            info.compress_type = zipfile.ZIP_DEFLATED
            with z.open(info, "w", force_zip64=True) as fh:
                for data, repeat in pieces:
                    for _ in range(repeat):
                        fh.write(data)
    return path


def _header(shape, descr="<f8") -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": descr, "fortran_order": False, "shape": shape})
    return buffer.getvalue()


def archive_attacks(workdir, monkeypatch) -> dict:
    """Files whose archive or JSON is hostile (sizes, members), by name."""
    meta, arrays = _members(workdir / "good.npz")
    chunk = 64 << 20
    files = {}
    meta_bytes = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    # 2 GiB of zeros as X (a valid .npy header for 2**28 x 1 float64), 2 MB on disk
    files["zip bomb"] = _deflated(workdir / "bomb.npz", "X", [(_header((2**28, 1)), 1), (bytes(chunk), 32)],
                                  {"meta": meta_bytes, **{k: v for k, v in arrays.items() if k != "X"}}, monkeypatch)
    # a JSON document holding a 100-million-element list under an unknown key, 0.2 MB on disk
    text = json.dumps(meta).encode()
    head, tail = text[:-1] + b', "extra": [', b"0]}"
    body = b"0," * (chunk // 2)
    size = len(head) + 3 * len(body) + len(tail)
    files["100-million-element list"] = _deflated(
        workdir / "list.npz", "meta", [(_header((size,), "|u1") + head, 1), (body, 3), (tail, 1)], arrays,
        monkeypatch)
    # a list longer than the design: a million levels for a column of 150 stored rows
    long = json.loads(json.dumps(meta))
    long["design"]["levels"]["size"] = [f"l{i}" for i in range(10**6)]
    files["levels longer than the rows"] = _write(workdir / "levels.npz", long, arrays)
    unknown = json.loads(json.dumps(meta))
    unknown["model"]["note"] = "x"
    files["unknown key"] = _write(workdir / "unknown.npz", unknown, arrays)
    state = json.loads(json.dumps(meta))
    state["design"]["encoder_state"]["size"]["state"]["contrasts"] = {"matrix": "__import__('os')"}
    files["edited formulaic state"] = _write(workdir / "state.npz", state, arrays)
    # a member without the .npy suffix, one whose header lies about its size, a pickled object array whose
    # unpickling would create the canary, a member named twice
    pickled = io.BytesIO()
    payload = np.empty(1, dtype=object)
    payload[0] = Canary(workdir / "PWNED-pickle")
    np.lib.format.write_array(pickled, payload, allow_pickle=True)
    with zipfile.ZipFile(workdir / "good.npz") as src:
        w1 = src.read("W1.npy")
    for name, member, data, drop in [("member without .npy", "notes.txt", b"hello", False),
                                     ("header larger than the member", "W1.npy", _header((10**9, 4)) + bytes(64), True),
                                     ("pickled object array", "W1.npy", pickled.getvalue(), True),
                                     ("member named twice", "W1.npy", w1, False)]:
        path = workdir / f"{name.replace(' ', '-')}.npz"
        with zipfile.ZipFile(workdir / "good.npz") as src, zipfile.ZipFile(path, "w") as dst:
            for info in src.infolist():
                if info.filename != member or not drop:
                    dst.writestr(info, src.read(info))
            with pytest.warns(UserWarning, match="Duplicate") if not drop and member == "W1.npy" else nullcontext():
                dst.writestr(member, data)
        files[name] = path
    return files


class Canary:
    """Unpickling this creates its file: the payload of an object array."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return open, (self.path, "w")


# ---------------------------------------------------------------------------------------------- the tests
@pytest.fixture(scope="module")
def attacks(workdir):
    mp = pytest.MonkeyPatch()
    files = {f"{name} as a column" + (" and predictor" if predictor else ""): builtin_as_column(workdir, name, call,
                                                                                                    predictor)
             for name, call in BUILTIN_PAYLOADS.items() for predictor in (False, True)}
    files.update({f"formula {name}": formula_payload(workdir, name, term) for name, term in FORMULA_PAYLOADS.items()})
    files.update(archive_attacks(workdir, mp))
    mp.undo()
    return files


def _assert_no_canary(workdir):
    assert not list(workdir.glob("PWNED*")), "a payload ran"


def test_load_refuses_every_attack_in_a_child(attacks, workdir):
    body = "\n".join(f"attempt({name!r}, lambda: NeuralNetwork.load({str(path)!r}))" for name, path in attacks.items())
    peak = "print(json.dumps(['peak', 'kB', str(hiwater()), 0, 0]))"
    results = child(body + "\n" + peak)
    peak_kb = int(results.pop("peak")[1])
    print(f"{len(attacks)} attacks refused by load, slowest {max(s for *_, s in results.values()):.2f} s, "
          f"peak resident memory {peak_kb / 1024:.0f} MB")
    assert peak_kb * 1024 < MEMORY / 2                     # far from the limit: nothing was decompressed
    assert_refused(results, attacks)
    _assert_no_canary(workdir)
    messages = {name: message for name, (_, message, _) in results.items()}
    assert "refused before decompressing" in messages["zip bomb"]
    assert "not a .npy array" in messages["member without .npy"]
    assert "unknown field 'extra'" in messages["100-million-element list"] or "at most" in messages[
        "100-million-element list"]
    assert "no longer than the 150 stored rows" in messages["levels longer than the rows"]
    assert "unknown field 'model.note'" in messages["unknown key"]
    assert "encoder_state entry 'size' is not one formulaic writes" in messages["edited formulaic state"]
    assert "declares shape (1000000000, 4)" in messages["header larger than the member"]
    assert "object array" in messages["pickled object array"]
    assert "names a member twice" in messages["member named twice"]
    assert all("refused" in messages[f"formula {name}"] for name in FORMULA_PAYLOADS)


def test_predict_and_info_refuse_every_attack_in_a_child(attacks, workdir):
    csv = str(workdir / "iris.csv")
    body = "\n".join(f"attempt({name + ' ' + verb!r}, lambda: cli({verb!r}, {str(path)!r}{extra}))"
                     for name, path in attacks.items()
                     for verb, extra in (("predict", f", {csv!r}"), ("info", "")))
    results = child(body)
    assert_refused(results, [f"{n} {v}" for n in attacks for v in ("predict", "info")], kinds=("ChainnetError",))
    _assert_no_canary(workdir)


@pytest.mark.parametrize("verb", ["predict", "info"])
def test_the_real_command_exits_2_with_one_line(attacks, workdir, verb):
    """The installed entry point itself (``python -m chainnet``), on the payloads that would write or exit."""
    for name in ["open as a column", "exit as a column and predictor", "zip bomb"]:
        args = [str(attacks[name])] + ([str(workdir / "iris.csv")] if verb == "predict" else [])
        code = f"import resource, runpy, sys; resource.setrlimit(resource.RLIMIT_AS, ({MEMORY}, {MEMORY})); " \
               f"sys.argv = ['chainnet', {verb!r}, *{args!r}]; runpy.run_module('chainnet', run_name='__main__')"
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=TIMEOUT,
                             env=dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1"), check=False)
        assert out.returncode == 2 and out.stdout == "", (name, out)
        assert len(out.stderr.strip().splitlines()) == 1 and out.stderr.startswith("chainnet: error: "), out.stderr
    _assert_no_canary(workdir)


def test_fit_refuses_the_formula_payloads_in_a_child(workdir):
    csv = str(workdir / "iris.csv")
    payloads = dict(FORMULA_PAYLOADS, **{f"{name} call": call.format(canary=workdir / f"PWNED-fit-{name}")
                                         for name, call in BUILTIN_PAYLOADS.items()})
    body = "\n".join(f"attempt({name!r}, lambda: cli('fit', {'Species ~ ' + term!r}, {csv!r}, '--iterations', '2'))"
                     for name, term in payloads.items())
    results = child(body)
    assert_refused(results, payloads, kinds=("ChainnetError",))
    assert all("refused" in m or "not a column" in m for _, m, _ in results.values()), results
    _assert_no_canary(workdir)
