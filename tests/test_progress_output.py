"""Training output that fits where it runs (issue 13 item 4): a notebook cell executed headless gets the trace as
ordinary tab-free output and one text bar redrawn a few times, not thousands of outputs; a terminal keeps the
R6 trace on stderr, each line whole, and the bar stays at the end with the final loss."""

import re
import subprocess
import sys

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

SETUP = "from chainnet import NeuralNetwork, datasets\niris = datasets.load_iris()"
TRAIN = ('net = NeuralNetwork("Species ~ .", data=iris, hidden=3, seed=1)\n'
         'net.train(3000, trace=1000, learn_rate=1e-4, progress=True)\nNone')
TRACE_ONLY = "net.train(2000, trace=1000, learn_rate=1e-4)\nNone"


def segments(text: str) -> list[str]:
    """What a terminal or a notebook shows line by line: a carriage return starts the line again."""
    return [s for s in re.split(r"[\r\n]", text) if s.strip()]


def execute(coalesce: bool):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in (SETUP, TRAIN, TRACE_ONLY)])
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3", coalesce_streams=coalesce).execute()
    return nb.cells


@pytest.fixture(scope="module")
def cells():
    """The outputs as the kernel sent them: one per write."""
    return execute(coalesce=False)


def test_what_the_notebook_shows_is_the_trace_then_one_bar():
    shown = execute(coalesce=True)[1].outputs       # merged and carriage returns applied, as Jupyter displays it
    assert [o.name for o in shown] == ["stdout"]
    lines = shown[0].text.splitlines()
    assert [line.split()[1] for line in lines[:3]] == ["1000", "2000", "3000"] and len(lines) == 4
    assert re.fullmatch(r"100%\|.*\| 3000/3000 \[.*loss=\S+, accuracy=\S+\]", lines[3].strip()), lines[3]


def test_a_notebook_gets_the_trace_and_the_bar_as_ordinary_output(cells):
    outputs = cells[1].outputs
    assert all(o.output_type == "stream" and o.name == "stdout" for o in outputs), outputs   # no pink stderr
    assert len(outputs) <= 30           # one per write reaching the kernel, uncoalesced (was 2,012 for 2,000 steps)
    text = "".join(o.text for o in outputs)
    assert "\t" not in text and len(text) < 20_000            # was 400 KB
    trace = [s for s in segments(text) if s.startswith("Iteration")]
    assert [int(s.split()[1]) for s in trace] == [1000, 2000, 3000]
    assert all(re.fullmatch(r"Iteration \d{4}  Loss \S+ +Accuracy \S+", s) for s in trace), trace
    assert text.count("loss=") <= 40                          # the postfix changes a few times a second
    last = segments(text)[-1]
    assert "3000/3000" in last and re.search(r"loss=\d", last) and "accuracy=" in last   # the bar stays


def test_trace_lines_in_a_notebook_are_aligned_without_tabs(cells):
    outputs = cells[2].outputs
    assert {o.name for o in outputs} == {"stdout"}
    text = "".join(o.text for o in outputs)
    lines = text.splitlines()
    assert [line.split()[1] for line in lines] == ["4000", "5000"] and "\t" not in text
    assert len({line.index("Loss") for line in lines}) == 1 and len({line.index("Accuracy") for line in lines}) == 1


def test_a_terminal_keeps_the_r6_trace_whole_and_the_bar_at_the_end():
    code = (f"{SETUP}\nNeuralNetwork('Species ~ .', data=iris, hidden=3, seed=1)"
            ".train(3000, trace=1000, learn_rate=1e-4, progress=True)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0 and done.stdout == "", done.stderr[-2000:]
    parts = segments(done.stderr)
    trace = [s for s in parts if "Iteration" in s]
    assert len(trace) == 3                                     # each line whole: no bar text inside it
    assert all(re.fullmatch(r"Iteration \d+\tLoss \S+\tAccuracy \S+", s) for s in trace), trace
    assert "3000/3000" in parts[-1] and "loss=" in parts[-1]   # left on screen with the final loss
    assert done.stderr.count("loss=") <= 60
