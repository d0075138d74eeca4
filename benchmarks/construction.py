"""Where the construction of a network goes: ``NeuralNetwork("Species ~ .", iris)`` stage by stage.

    python benchmarks/construction.py            # medians of 300 constructions, ms per stage
    python benchmarks/construction.py --runs 1000
    python benchmarks/construction.py --against /work/main   # this checkout vs another, interleaved rounds

Every stage is a real chainnet (or formulaic) function, wrapped by a timer for the run (inclusive times:
an indented stage is part of the one above it). A stage missing from this version of chainnet is skipped,
so the script measures any version. The lean rows time formulaic's own paths alone on the same frame (what
no chainnet code can beat), and the load average is printed with the numbers: this is a shared machine.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

# (label, module, attribute): an attribute "Class.method" wraps a method or classmethod
STAGES = [
    ("NeuralNetwork(...) total", "chainnet.network", "NeuralNetwork.__init__"),
    ("  caller context (network._caller_context)", "chainnet.network", "_caller_context"),
    ("  frames.to_pandas", "chainnet._frames", "to_pandas"),
    ("  Design.fit (formula + frame -> design, Encoding(X, T, Y, rows))", "chainnet.design", "Design.fit"),
    ("    data checks (_columns.check_data)", "chainnet._columns", "check_data"),
    ("    data checks (_check_data, before)", "chainnet.design", "_check_data"),
    ("    formula text (terms: cached per formula and columns)", "chainnet.design", "terms"),
    ("    formula text (r_formula, before)", "chainnet.design", "r_formula"),
    ("    formula text (quote_names, before)", "chainnet.design", "quote_names"),
    ("    formula text (referenced_columns, before)", "chainnet.design", "referenced_columns"),
    ("    model frame (complete_rows)", "chainnet.design", "complete_rows"),
    ("    column kinds (plain_columns)", "chainnet.design", "plain_columns"),
    ("    column kinds (_plain_columns, before)", "chainnet.design", "_plain_columns"),
    ("    infinite values (_columns.check_finite)", "chainnet._columns", "check_finite"),
    ("    infinite values (_check_finite_column, before)", "chainnet.design", "_check_finite_column"),
    ("    namespace (caller_variables)", "chainnet.design", "caller_variables"),
    ("    formulaic materialisation (_fit_matrix)", "chainnet.design", "_fit_matrix"),
    ("    formulaic materialisation (_materialize, before)", "chainnet.design", "_materialize"),
    ("      integers as doubles (as_doubles)", "chainnet.design", "as_doubles"),
    ("      fresh spec from the cached parse (_rhs_spec)", "chainnet.design", "_rhs_spec"),
    ("      formulaic ModelSpec.get_model_matrix", "formulaic.model_spec", "ModelSpec.get_model_matrix"),
    ("      formulaic.model_matrix (two-sided)", "chainnet.design", "model_matrix"),
    ("      float matrix + finite check (_columns.float_matrix)", "chainnet._columns", "float_matrix"),
    ("      float matrix + finite check (_as_float_matrix, before)", "chainnet.design", "_as_float_matrix"),
    ("    response kind (_response.fit_response)", "chainnet._response", "fit_response"),
    ("    response (_response, before)", "chainnet.design", "_response"),
    ("    levels (levels_of)", "chainnet.design", "levels_of"),
    ("    response -> T, Y (Design.encode_response)", "chainnet.design", "Design.encode_response"),
    ("    text warnings (warn_about_text)", "chainnet.design", "warn_about_text"),
    ("  case weights (case_weights.of_design)", "chainnet.case_weights", "of_design"),
    ("  Y setter (fields.checked_response)", "chainnet._fields", "checked_response"),
    ("  initial weights (NeuralNetwork._initial_weights)", "chainnet.network", "NeuralNetwork._initial_weights"),
]


def wrap(module, attribute: str, label: str, spent: dict) -> bool:
    """Replace ``module.attribute`` by a timed twin that adds its seconds to ``spent[label]``."""
    owner, name = module, attribute
    if module is None:
        return False
    if "." in attribute:
        owner_name, name = attribute.split(".")
        owner = getattr(module, owner_name, None)
    raw = vars(owner).get(name) if isinstance(owner, type) else getattr(owner, name, None)
    if raw is None:
        return False
    kind = type(raw) if isinstance(raw, (classmethod, staticmethod)) else None
    fn = raw.__func__ if kind else raw

    @functools.wraps(fn)
    def timed(*args, **kwargs):
        start = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[label] = spent.get(label, 0.0) + time.process_time() - start
    setattr(owner, name, kind(timed) if kind else timed)
    return True


def _module(name: str):
    try:
        return importlib.import_module(name)
    except ImportError:   # a module of another chainnet version
        return None


def stage_medians(runs: int) -> dict:
    """Median CPU ms per construction of each stage found in this chainnet (CPU time: ``process_time``
    leaves out the time the process waits for a core on a loaded machine; a wrapped call costs about 1 µs)."""
    from chainnet import NeuralNetwork, datasets
    spent: dict = {}
    found = [label for label, mod, attr in STAGES if wrap(_module(mod), attr, label, spent)]
    iris = datasets.load_iris()
    per_run = {label: [] for label in found}
    for i in range(runs + 20):
        spent.clear()
        NeuralNetwork("Species ~ .", iris)
        if i >= 20:   # warm-up constructions are not counted
            for label in found:
                per_run[label].append(spent.get(label, 0.0))
    return {label: statistics.median(v) * 1e3 for label, v in per_run.items()}


def lean_medians(runs: int) -> dict:
    """formulaic alone on the iris frame: the floor under chainnet's materialisation. A spec is fitted in place
    by formulaic (its state dicts are filled), so each fit gets a fresh spec from the parsed formula."""
    from formulaic import Formula, ModelSpec, model_matrix

    from chainnet import datasets
    frame = datasets.load_iris().reset_index(drop=True)
    rhs = "`Sepal.Length` + `Sepal.Width` + `Petal.Length` + `Petal.Width`"
    parsed = ModelSpec.from_spec(rhs).formula
    fitted = ModelSpec(parsed, output="numpy").get_model_matrix(frame).model_spec
    cases = {
        "model_matrix('Species ~ .', frame): two-sided, pandas (chainnet before)": lambda: model_matrix(
            "Species ~ .", frame),
        "model_matrix(right side text, frame)": lambda: model_matrix(rhs, frame),
        "ModelSpec(parsed right side).get_model_matrix(frame), pandas": lambda: ModelSpec(
            parsed).get_model_matrix(frame),
        "ModelSpec(parsed right side, output='numpy').get_model_matrix(frame) (chainnet now)": lambda: ModelSpec(
            parsed, output="numpy").get_model_matrix(frame, drop_rows=set()),
        "fitted spec .get_model_matrix(frame), numpy (predict's path)": lambda: fitted.get_model_matrix(frame),
        "parse the right side (Formula(text))": lambda: Formula(rhs),
    }
    out = {}
    for label, fn in cases.items():
        times = []
        for i in range(runs + 10):
            start = time.process_time()
            fn()
            if i >= 10:
                times.append(time.process_time() - start)
        out[label] = statistics.median(times) * 1e3
    return out


def total_medians(runs: int) -> tuple[float, float]:
    """Median wall and CPU ms of ``NeuralNetwork("Species ~ .", iris)``, nothing wrapped. CPU time
    (``process_time``) leaves out the time the process waited for a core on a loaded machine."""
    from chainnet import NeuralNetwork, datasets
    iris = datasets.load_iris()
    wall, cpu = [], []
    for i in range(runs + 20):
        w, c = time.perf_counter(), time.process_time()
        NeuralNetwork("Species ~ .", iris)
        if i >= 20:
            wall.append(time.perf_counter() - w)
            cpu.append(time.process_time() - c)
    return statistics.median(wall) * 1e3, statistics.median(cpu) * 1e3


def against(other: str, runs: int, rounds: int = 5) -> None:
    """This checkout and ``other`` constructing in alternate processes, ``rounds`` times each."""
    here = str(Path(__file__).resolve().parents[1])
    results: dict = {here: [], other: []}
    for _ in range(rounds):
        for checkout in (here, other):
            out = subprocess.run([sys.executable, __file__, "--total", "--runs", str(runs)], capture_output=True,
                                 text=True, check=True, env={**os.environ, "PYTHONPATH": checkout}).stdout
            results[checkout].append(tuple(map(float, out.split())))
    for checkout, rows in results.items():
        wall, cpu = (statistics.median(r[i] for r in rows) for i in (0, 1))
        print(f"{wall:8.3f} ms wall {cpu:8.3f} ms CPU  (median of {rounds} rounds x {runs})  {checkout}")


def _cpu() -> str:
    try:
        names = [line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                 if line.startswith("model name")]
    except OSError:
        names = []
    return names[0] if names else platform.processor() or "CPU ?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--total", action="store_true", help="print the construction's wall and CPU ms only")
    parser.add_argument("--against", help="another checkout to compare with, in interleaved processes")
    args = parser.parse_args()
    runs = args.runs
    warnings.simplefilter("ignore")
    if args.total:
        print(*total_medians(runs))
        return
    load = os.getloadavg()
    if args.against:
        print(f"{_cpu()}, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        against(args.against, runs)
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        return
    print(f"chainnet construction, iris 'Species ~ .', CPU ms, median of {runs} runs; {_cpu()} "
          f"({os.cpu_count()} cores), load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    for label, ms in stage_medians(runs).items():
        print(f"{ms:8.3f} ms  {label}")
    print("formulaic alone (same frame):")
    for label, ms in lean_medians(runs).items():
        print(f"{ms:8.3f} ms  {label}")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
