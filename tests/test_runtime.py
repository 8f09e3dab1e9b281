"""The command line tunes the garbage collector of its own processes only: run as a program it
freezes start-up objects and collects less often; called from Python it changes nothing."""

from __future__ import annotations

import gc
import subprocess
import sys

from newsclean import cli
from newsclean.runtime import MIDDLE_GENERATION_THRESHOLD, OLD_GENERATION_THRESHOLD, YOUNG_GENERATION_THRESHOLD

from .conftest import SEEDS

TUNED = (YOUNG_GENERATION_THRESHOLD, MIDDLE_GENERATION_THRESHOLD, OLD_GENERATION_THRESHOLD)


def test_tuning_freezes_start_up_objects_and_raises_the_thresholds() -> None:
    probe = "import gc; from newsclean.runtime import tune_garbage_collector as t; t(); print(gc.get_threshold(), gc.get_freeze_count() > 1000)"
    output = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert output.strip() == f"{TUNED} True"


def test_program_run_is_tuned_and_cleans_as_before(tmp_path) -> None:
    probe = (
        "import gc, sys; from newsclean.cli import main; sys.argv = ['newsclean'] + sys.argv[1:]; code = main(); "
        "print(code, gc.get_threshold(), gc.get_freeze_count() > 1000)"
    )
    command = [sys.executable, "-c", probe, "clean", str(SEEDS), "-o", str(tmp_path / "out"), "-q", "--jobs", "1"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    assert output.strip() == f"0 {TUNED} True"
    assert sorted(path.name for path in (tmp_path / "out").glob("*.txt")) == sorted(path.name for path in SEEDS.glob("*.txt"))


def test_main_called_from_python_leaves_the_collector_alone(tmp_path) -> None:
    before = gc.get_threshold(), gc.get_freeze_count()
    assert cli.main(["clean", str(SEEDS), "-o", str(tmp_path / "out"), "-q", "--jobs", "1"]) == 0
    assert (gc.get_threshold(), gc.get_freeze_count()) == before
