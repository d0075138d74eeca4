"""The command line, through subprocess as a user runs it."""

import subprocess
import sys


def run(*args):
    return subprocess.run([sys.executable, "-m", "chainnet", *args], capture_output=True, text=True, timeout=300, check=False)


def test_demo_iris_prints_its_accuracy():
    out = run("demo")
    assert out.returncode == 0, out.stderr
    accuracy = float(out.stdout.strip().splitlines()[-1].split()[-1])
    assert accuracy >= 0.97


def test_unknown_demo_is_one_line_error():
    out = run("demo", "mnist")
    assert out.returncode == 2 and "invalid choice" in out.stderr and "Traceback" not in out.stderr
