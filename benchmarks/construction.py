"""Where the construction of a network goes: ``NeuralNetwork("Species ~ .", iris)`` stage by stage.

    python benchmarks/construction.py            # medians of 300 constructions, ms per stage
    python benchmarks/construction.py --runs 1000

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
import time
import warnings

# (label, module, attribute): an attribute "Class.method" wraps a method or classmethod
STAGES = [
    ("NeuralNetwork(...) total", "chainnet.network", "NeuralNetwork.__init__"),
    ("  caller context (network._caller_context)", "chainnet.network", "_caller_context"),
    ("  frames.to_pandas", "chainnet.frames", "to_pandas"),
    ("  Design.fit (formula + frame -> design, X, T, Y, rows)", "chainnet.design", "Design.fit"),
    ("  Design.build (old: formula + frame -> design, X, Y, rows)", "chainnet.design", "Design.build"),
    ("    data checks (_check_data)", "chainnet.design", "_check_data"),
    ("    data checks (check_data)", "chainnet.design", "check_data"),
    ("    formula text (parse_terms)", "chainnet.design", "parse_terms"),
    ("    formula text (r_formula)", "chainnet.design", "r_formula"),
    ("    formula text (quote_names)", "chainnet.design", "quote_names"),
    ("    formula text (referenced_columns)", "chainnet.design", "referenced_columns"),
    ("    model frame (complete_rows)", "chainnet.design", "complete_rows"),
    ("    column kinds (_plain_columns)", "chainnet.design", "_plain_columns"),
    ("    column kinds (plain_columns)", "chainnet.design", "plain_columns"),
    ("    infinite values (_check_finite_column)", "chainnet.design", "_check_finite_column"),
    ("    infinite values (check_finite)", "chainnet.design", "check_finite"),
    ("    namespace (caller_variables)", "chainnet.design", "caller_variables"),
    ("    integers as doubles (as_doubles)", "chainnet.design", "as_doubles"),
    ("    formulaic materialisation (_materialize)", "chainnet.design", "_materialize"),
    ("      formulaic.model_matrix", "chainnet.design", "model_matrix"),
    ("    float matrix + finite check (_as_float_matrix)", "chainnet.design", "_as_float_matrix"),
    ("    float matrix + finite check (float_matrix)", "chainnet.design", "float_matrix"),
    ("    response (_response)", "chainnet.design", "_response"),
    ("    response (fit_response)", "chainnet.design", "fit_response"),
    ("    response -> T (Design.targets)", "chainnet.design", "Design.targets"),
    ("    levels (levels_of)", "chainnet.design", "levels_of"),
    ("    text warnings (warn_about_text)", "chainnet.design", "warn_about_text"),
    ("  case weights (case_weights.of_design)", "chainnet.case_weights", "of_design"),
    ("  response -> T (Y setter: fields.checked_response)", "chainnet.fields", "checked_response"),
    ("  initial weights (objective.initial_weights)", "chainnet.objective", "initial_weights"),
]


def wrap(module, attribute: str, label: str, spent: dict) -> bool:
    """Replace ``module.attribute`` by a timed twin that adds its seconds to ``spent[label]``."""
    owner, name = module, attribute
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
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[label] = spent.get(label, 0.0) + time.perf_counter() - start
    setattr(owner, name, kind(timed) if kind else timed)
    return True


def stage_medians(runs: int) -> dict:
    """Median ms per construction of each stage found in this chainnet."""
    from chainnet import NeuralNetwork, datasets
    spent: dict = {}
    found = [label for label, mod, attr in STAGES if wrap(importlib.import_module(mod), attr, label, spent)]
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
    """formulaic alone on the iris frame: the floor under chainnet's materialisation."""
    from formulaic import Formula, ModelSpec, model_matrix

    from chainnet import datasets
    frame = datasets.load_iris().reset_index(drop=True)
    rhs = "`Sepal.Length` + `Sepal.Width` + `Petal.Length` + `Petal.Width`"
    spec = ModelSpec.from_spec(Formula(rhs))
    fitted = model_matrix(spec, frame).model_spec
    cases = {
        "formulaic model_matrix('Species ~ .', frame) (two-sided, as chainnet 0.x)": lambda: model_matrix(
            "Species ~ .", frame),
        "formulaic model_matrix(rhs text, frame)": lambda: model_matrix(rhs, frame),
        "formulaic model_matrix(parsed rhs spec, frame)": lambda: model_matrix(spec, frame),
        "formulaic model_matrix(parsed rhs spec, frame, output='numpy')": lambda: model_matrix(
            spec.update(output="numpy"), frame),
        "formulaic fitted spec .get_model_matrix(frame) (newdata path)": lambda: fitted.get_model_matrix(frame),
        "parse the formula (Formula(text))": lambda: Formula(rhs),
    }
    out = {}
    for label, fn in cases.items():
        times = []
        for i in range(runs + 10):
            start = time.perf_counter()
            fn()
            if i >= 10:
                times.append(time.perf_counter() - start)
        out[label] = statistics.median(times) * 1e3
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    runs = parser.parse_args().runs
    warnings.simplefilter("ignore")
    load = os.getloadavg()
    print(f"chainnet construction, iris 'Species ~ .', median of {runs} runs; CPU {platform.processor() or '?'} "
          f"({os.cpu_count()} cores), load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    for label, ms in stage_medians(runs).items():
        print(f"{ms:8.3f} ms  {label}")
    print("formulaic alone (same frame):")
    for label, ms in lean_medians(runs).items():
        print(f"{ms:8.3f} ms  {label}")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
