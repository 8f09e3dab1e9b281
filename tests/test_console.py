"""The `newsclean` program asks numpy's OpenBLAS for one thread (its pool of spinning threads
costs CPU at every start and newsclean needs no parallel BLAS), unless the user chose a number,
and gives the garbage collector its batch thresholds before the imports; `import newsclean`
leaves the environment alone and imports no numpy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from newsclean.runtime import BATCH_THRESHOLDS

from .conftest import SEEDS

SCRIPT = Path(sys.executable).with_name("newsclean")

# Loaded by the program's interpreter at start-up (from PYTHONPATH): records the
# OPENBLAS_NUM_THREADS that numpy sees, and the garbage collector's thresholds, at the moment
# numpy is imported.
RECORDER = """\
import gc, json, os, sys

def _record(event, args):
    if event == "import" and args[0] == "numpy":
        with open(os.environ["NUMPY_IMPORT_RECORD"], "w") as record:
            record.write(json.dumps([os.environ.get("OPENBLAS_NUM_THREADS"), gc.get_threshold()]))

sys.addaudithook(_record)
"""


def _environment(tmp_path: Path, openblas_threads: str | None) -> dict[str, str]:
    (tmp_path / "sitecustomize.py").write_text(RECORDER, encoding="utf-8")
    environment = {key: value for key, value in os.environ.items() if key != "OPENBLAS_NUM_THREADS"}
    if openblas_threads is not None:
        environment["OPENBLAS_NUM_THREADS"] = openblas_threads
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))
    environment["NUMPY_IMPORT_RECORD"] = str(tmp_path / "record")
    return environment


@pytest.mark.parametrize("program", [[str(SCRIPT)], [sys.executable, "-m", "newsclean"]], ids=["script", "module"])
@pytest.mark.parametrize(("user_setting", "seen_by_numpy"), [(None, "1"), ("2", "2")])
def test_the_program_sets_one_blas_thread_unless_the_user_chose_and_batch_gc_thresholds_before_numpy_loads(
    tmp_path: Path, program: list[str], user_setting: str | None, seen_by_numpy: str
) -> None:
    page = SEEDS / "002_1d7f724c3669c58c.txt"
    done = subprocess.run(
        [*program, "clean", str(page), "-o", "-", "-q"],
        capture_output=True, text=True, timeout=120, env=_environment(tmp_path, user_setting),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("United States and Russia Plan Joint Air Command")
    openblas_threads, collector_thresholds = json.loads((tmp_path / "record").read_text(encoding="utf-8"))
    assert openblas_threads == seen_by_numpy
    assert tuple(collector_thresholds) == BATCH_THRESHOLDS != (700, 10, 10)  # not Python's defaults


def test_importing_the_library_changes_no_environment_and_loads_no_numpy(tmp_path: Path) -> None:
    code = (
        "import json, os, sys, newsclean; "
        "print(json.dumps([os.environ.get('OPENBLAS_NUM_THREADS'), 'numpy' in sys.modules, "
        "sorted(newsclean.__all__) == sorted(set(dir(newsclean)) & set(newsclean.__all__))]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=_environment(tmp_path, None)
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [None, False, True]
    assert not (tmp_path / "record").exists()


def test_every_public_name_is_there_and_the_same_object_as_in_its_module() -> None:
    import newsclean
    from newsclean import dedup, document, filters, pipeline

    homes = (dedup, document, filters, pipeline)
    for name in newsclean.__all__:
        value = getattr(newsclean, name)
        assert any(getattr(home, name, None) is value for home in homes), name
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        newsclean.not_a_name  # noqa: B018


def test_submodules_are_attributes_of_the_package_after_a_plain_import() -> None:
    code = "import newsclean; print(newsclean.io.decode_bytes(b'caf\\xc3\\xa9', 'x').text, newsclean.runtime.__name__)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["café", "newsclean.runtime"]
