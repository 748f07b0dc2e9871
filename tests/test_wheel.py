"""A built wheel carries everything the app reads at run time and runs from any folder.

The wheel is installed into a fresh virtual environment; its dependencies (gradio,
llama-cpp-python, the model packages…) are borrowed from the test environment through a path
file, so the test does not rebuild llama-cpp-python. The project itself is imported from the
wheel, never from this checkout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

from simulator.storage.paths import CORPUS_DIR, PACKAGE, PERSONAS_DIR, PROMPTS_DIR, RUBRICS_DIR
from tests.conftest import ROOT


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{args}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def assert_wheel_holds_the_data_and_modules(wheel: Path) -> None:
    """Every data file (personas, prompts, rubrics under `bundled/`, the corpus where the package
    keeps it) and exactly the package's modules: a module left over in build/ from before a move
    would otherwise ship as well."""
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        f"simulator/bundled/{folder.name}/{f.relative_to(folder).as_posix()}"
        for folder in (PERSONAS_DIR, PROMPTS_DIR, RUBRICS_DIR)
        for f in folder.rglob("*")
        if f.is_file()
    }
    expected |= {f.relative_to(PACKAGE.parent).as_posix() for f in CORPUS_DIR.iterdir()}
    missing = sorted(expected - names)
    assert not missing, f"the wheel lacks {missing}"
    modules = {f.relative_to(PACKAGE.parent).as_posix() for f in PACKAGE.rglob("*.py")}
    modules = {m for m in modules if not m.startswith("simulator/bundled/")}
    shipped = {n for n in names if n.endswith(".py")}
    extra, lacking = sorted(shipped - modules), sorted(modules - shipped)
    assert not extra and not lacking, f"modules: extra {extra} (a stale build/?), missing {lacking}"


def test_wheel_runs_personas_and_evaluate_outside_the_repository(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheels),
            str(ROOT),
        ],
        cwd=tmp_path,
    )
    (wheel,) = wheels.glob("coaching_simulator-*.whl")
    assert_wheel_holds_the_data_and_modules(wheel)
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path)
    python = venv / "bin" / "python"
    run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
        cwd=tmp_path,
    )
    site = run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        cwd=tmp_path,
    ).strip()
    borrowed = sysconfig.get_paths()["purelib"]
    Path(site, "borrowed-dependencies.pth").write_text(borrowed + "\n")

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIMULATOR_")}
    env.pop("PYTHONPATH", None)
    env["SIMULATOR_DATA_DIR"] = str(tmp_path / "data")
    where = run([str(python), "-c", "import simulator; print(simulator.__file__)"], outside, env)
    assert where.startswith(str(venv)), where

    simulator = str(venv / "bin" / "simulator")
    listed = json.loads(run([simulator, "personas", "list", "--json"], outside, env))
    print(
        f"simulator personas list --json: {len(listed)} personas:",
        ", ".join(p["id"] for p in listed),
    )
    assert len(listed) >= 8 and {"roadmap-gave-in", "launch-postmortem"} <= {
        p["id"] for p in listed
    }

    transcript = outside / "session.json"
    transcript.write_text(
        json.dumps(
            {
                "persona": "roadmap-gave-in",
                "difficulty": "medium",
                "turns": [
                    {"speaker": "persona", "text": "Thanks for making time. The review was rough."},
                    {"speaker": "manager", "text": "What made it rough for you?"},
                    {"speaker": "persona", "text": "I agreed to move autocomplete on the spot."},
                    {"speaker": "manager", "text": "So you gave it up before you'd decided."},
                    {"speaker": "persona", "text": "Yes. And I had the drop-off numbers."},
                ],
            }
        )
    )
    report = json.loads(
        run([simulator, "evaluate", str(transcript), "--no-model", "--json"], outside, env)
    )
    levels = {c["id"]: c["level"] for c in report["competencies"]}
    print("simulator evaluate --no-model --json: levels", levels)
    assert levels["active_listening"] is not None
    agreement = run([simulator, "code-agreement", "--json"], outside, env)
    assert json.loads(agreement)["corpus"]["utterances"]["all"] >= 700, "no labelled corpus"
    learned = run(
        [str(python), "-c", "from simulator.coding.model import shipped_model as s; print(s())"],
        outside,
        env,
    )
    assert "CoderModel" in learned, "the learned coder's weights are missing from the wheel"
