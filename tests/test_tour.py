"""examples/tour.ipynb runs headless (nbclient) and shows what a notebook user should see: HTML cards and tables,
inline plots, no errors and nothing on stderr."""

import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

TOUR = Path(__file__).resolve().parent.parent / "examples" / "tour.ipynb"


@pytest.fixture(scope="module")
def executed():
    nb = nbformat.read(TOUR, as_version=4)
    env_backend = os.environ.pop("MPLBACKEND", None)      # the kernel picks the inline backend itself
    try:
        nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                resources={"metadata": {"path": str(TOUR.parent)}}).execute()
    finally:
        if env_backend is not None:
            os.environ["MPLBACKEND"] = env_backend
    return nb


def outputs_of(nb, source_start):
    cells = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith(source_start)]
    assert len(cells) == 1, source_start
    return cells[0].outputs


def html_of(nb, source_start) -> str:
    results = [o for o in outputs_of(nb, source_start) if o.output_type == "execute_result"]
    assert results and "text/html" in results[-1].data, source_start
    return results[-1].data["text/html"]


def test_the_tour_runs_without_errors_or_stderr(executed):
    streams = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "stream"]
    assert not [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert [o.text for o in streams if o.name == "stderr"] == []    # the trace is ordinary output in a notebook


def test_the_network_summary_and_coef_render_as_html(executed):
    card = html_of(executed, "irisnet = NeuralNetwork")
    assert "NeuralNetwork" in card and "Species ~ ." in card and "untrained" in card
    trained = html_of(executed, "irisnet.train(9999")
    assert "9999" in trained and "last 5 iterations" in trained
    summary = html_of(executed, "irisnet.summary()")
    assert "Layers (43 parameters)" in summary and "Confusion matrix (training rows)" in summary
    coef = html_of(executed, "irisnet.coef()")
    assert coef.count("<table") == 2 and "Petal.Width" in coef
    assert "<table" in html_of(executed, "irisnet.confusion(test)")
    assert "NeuralNetwork" in html_of(executed, "grid.best_estimator_.network_")


def test_the_plots_are_inline_images(executed):
    for start in ("irisnet.plot_loss()", "irisnet.plot_network()"):
        images = [o for o in outputs_of(executed, start) if "image/png" in o.get("data", {})]
        assert len(images) == 1, start


def test_the_numbers_are_the_post_story(executed):
    text = "".join(o.text for o in outputs_of(executed, "before = irisnet") if o.output_type == "stream")
    before, after = (float(v) for v in text.replace(",", "").split() if v.replace(".", "").isdigit())
    assert after < before                                  # one gradient step lowers the loss
    trace = "".join(o.text for o in outputs_of(executed, "irisnet.train(9999") if o.output_type == "stream")
    # the hand step before train(9999) is iteration 1 (issue 12: manual steps count), so the count ends at 10000
    assert trace.count("Iteration ") == 10 and "Iteration 10000" in trace   # 1000, 2000, ... 10000
    grid = outputs_of(executed, "from sklearn.model_selection")[-1].data["text/plain"]
    assert "mean_test_score" in grid
