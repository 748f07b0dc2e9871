from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import COACHING_SCRIPT, ROOT


def simulator(*args: str, stdin: str | None = None, env: dict | None = None, timeout: float = 120):
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "simulator", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env=full_env,
    )


def test_run_script_prints_the_transcript_json(tmp_path: Path) -> None:
    script = tmp_path / "script.txt"
    script.write_text("\n".join(COACHING_SCRIPT) + "\n\n")
    result = simulator(
        "run-script",
        "--backend",
        "scripted",
        "--persona",
        "roadmap-gave-in",
        "--script",
        str(script),
        "--difficulty",
        "easy",
        "--json",
        env={"SIMULATOR_DATA_DIR": str(tmp_path / "data")},
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["persona"] == "roadmap-gave-in"
    speakers = [t["speaker"] for t in data["turns"]]
    assert speakers == ["persona"] + ["manager", "persona"] * len(COACHING_SCRIPT)
    states = [t["state"] for t in data["turns"] if t["speaker"] == "persona"]
    assert all(0 <= s["openness"] <= 1 for s in states)
    assert states[-1]["revealed"] == ["had-the-data", "team-upset", "fear-of-label"]
    assert all("state" not in t for t in data["turns"] if t["speaker"] == "manager")


def test_unknown_persona_is_a_clear_error(tmp_path: Path) -> None:
    script = tmp_path / "s.txt"
    script.write_text("Hello\n")
    result = simulator(
        "run-script", "--backend", "scripted", "--persona", "nobody", "--script", str(script)
    )
    assert result.returncode == 2
    assert "no persona with id 'nobody'" in result.stderr and "Traceback" not in result.stderr


def test_missing_and_bad_models_get_a_message_not_a_traceback(tmp_path: Path) -> None:
    script = tmp_path / "s.txt"
    script.write_text("Hello\n")
    missing = simulator(
        "run-script",
        "--persona",
        "roadmap-gave-in",
        "--script",
        str(script),
        "--model",
        str(tmp_path / "gone.gguf"),
    )
    assert missing.returncode == 2 and "model file not found" in missing.stderr
    fake = tmp_path / "fake.gguf"
    fake.write_bytes(b"PK\x03\x04 not a model")
    bad = simulator(
        "run-script",
        "--persona",
        "roadmap-gave-in",
        "--script",
        str(script),
        env={"SIMULATOR_MODEL": str(fake)},
    )
    assert bad.returncode == 2 and "not a GGUF model file" in bad.stderr
    assert "Traceback" not in missing.stderr + bad.stderr


def test_chat_in_the_terminal_saves_and_resumes(tmp_path: Path) -> None:
    env = {"SIMULATOR_DATA_DIR": str(tmp_path / "data"), "SIMULATOR_BACKEND": "scripted"}
    first = simulator(
        "chat", "--persona", "status-report-1on1", stdin="What's on your mind?\n/quit\n", env=env
    )
    assert first.returncode == 0, first.stderr
    assert "Grace Okafor" in first.stdout and "Resume with: simulator chat --resume" in first.stdout
    conversation = first.stdout.rsplit("--resume ", 1)[1].strip()
    listed = json.loads(simulator("sessions", "list", "--json", env=env).stdout)
    assert [row["id"] for row in listed] == [conversation]
    second = simulator("chat", "--resume", conversation, stdin="Tell me more.\n", env=env)
    assert "You: What's on your mind?" in second.stdout
    exported = json.loads(simulator("sessions", "export", conversation, env=env).stdout)
    assert [t["text"] for t in exported["turns"] if t["speaker"] == "manager"] == [
        "What's on your mind?",
        "Tell me more.",
    ]


def test_missing_script_file_is_named(tmp_path: Path) -> None:
    result = simulator(
        "run-script",
        "--backend",
        "scripted",
        "--persona",
        "roadmap-gave-in",
        "--script",
        str(tmp_path / "none.txt"),
    )
    assert result.returncode == 2 and "none.txt: cannot read script" in result.stderr


def write_transcript(path: Path, lines: list[str], persona: str | None = "roadmap-gave-in"):
    from tests.helpers import transcript

    data = {"turns": [t.model_dump() for t in transcript(lines)]}
    if persona:
        data["persona"] = persona
    path.write_text(json.dumps(data))
    return path


def test_code_prints_one_json_object_per_manager_turn(tmp_path: Path) -> None:
    first = write_transcript(tmp_path / "a.json", ["What's on your mind?", "You should escalate."])
    second = write_transcript(tmp_path / "b.json", ["Tell me more."])
    result = simulator("code", str(first), str(second), "--json")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["file"], r["turn"]) for r in rows] == [
        (str(first), 1),
        (str(first), 3),
        (str(second), 1),
    ]
    keys = {
        "file",
        "turn",
        "question",
        "leading",
        "stacked",
        "reflection",
        "summary",
        "advice",
        "judgement",
        "feedback",
        "plan",
        "words",
    }
    assert all(set(r) == keys for r in rows)
    assert rows[0]["question"] == "open" and rows[1]["advice"] is True


def test_code_names_a_bad_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"turns": [')
    result = simulator("code", str(broken))
    assert result.returncode == 2 and "broken.json: not valid JSON" in result.stderr
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"turns": [{"speaker": "coach", "text": "hi"}]}')
    result = simulator("code", str(wrong))
    assert result.returncode == 2 and "wrong.json: not a transcript" in result.stderr


def test_evaluate_json_shape(tmp_path: Path) -> None:
    from tests.scoring.test_interpreter import PAIRS

    path = write_transcript(tmp_path / "t.json", PAIRS["feedback_delivery"][0])
    result = simulator("evaluate", str(path), "--json", "--no-model")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["file"] == str(path)
    ids = [c["id"] for c in data["competencies"]]
    assert ids == [
        "active_listening",
        "powerful_questioning",
        "development_planning",
        "feedback_delivery",
    ]
    for competency in data["competencies"]:
        assert {"id", "level", "max_level", "evidence_turns", "indicators", "feedback"} <= set(
            competency
        )
    # "What would you do differently next time?" may count as asking for a plan step, so only
    # the feedback competency is certain to be observed here
    assert data["competencies"][3]["level"] is not None and data["overall"] is not None
    assert data["debrief"]["persona"] == "roadmap-gave-in"
    readable = simulator("evaluate", str(path), "--no-model")
    assert "# Coaching feedback" in readable.stdout and "Feedback delivery" in readable.stdout


def test_code_agreement_command() -> None:
    result = simulator("code-agreement", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["split"] == "dev" and data["corpus"]["utterances"]["all"] >= 700
    question = data["corpus"]["coders"]["learned"]["spoken"]["question"]
    assert {"kappa", "classes", "confusion"} <= set(question)
    first = next(iter(data["sets"].values()))
    assert first["utterances"] >= 300 and "kappa" in first["rules"]["advice"]
    text = simulator("code-agreement", "--split", "train")
    assert text.returncode == 0 and "train split: 1471 manager turns" in text.stdout


def test_evaluate_scores_many_files_and_names_a_bad_one(tmp_path: Path) -> None:
    from tests.scoring.test_interpreter import PAIRS

    strong, weak = PAIRS["active_listening"]
    good = write_transcript(tmp_path / "strong.json", strong)
    other = write_transcript(tmp_path / "weak.json", weak)
    broken = tmp_path / "broken.json"
    broken.write_text('{"turns": [')
    result = simulator("evaluate", str(good), str(broken), str(other), "--json", "--no-model")
    assert result.returncode == 2
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["file"] for r in rows] == [str(good), str(broken), str(other)]
    assert "broken.json" in rows[1]["error"] and "competencies" not in rows[1]
    assert rows[0]["overall"] > rows[2]["overall"]
    assert "broken.json" in result.stderr


def readme_commands() -> list[str]:
    """Every `simulator …` command shown in the README's code blocks, as a user would type it
    (optional parts in brackets left out, placeholders filled in)."""
    import re

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        for line in block.splitlines():
            for part in line.split("#", 1)[0].split("|"):
                part = re.sub(r"\[[^\]]*\]", "", part).strip()
                if part.startswith("simulator "):
                    commands.append(part)
    return commands


def test_every_readme_command_parses_as_written() -> None:
    import shlex

    from simulator.cli.commands import parse

    commands = readme_commands()
    assert len(commands) >= 15, commands
    for command in commands:
        args = parse(shlex.split(command)[1:])
        assert args.command, command


def test_shared_options_before_or_after_the_subcommand() -> None:
    from simulator.cli.commands import parse

    before = parse(["--backend", "scripted", "--data-dir", "/x", "personas", "list"])
    after = parse(["personas", "list", "--backend", "scripted", "--data-dir", "/x"])
    for args in (before, after):
        assert (args.command, args.backend, args.data_dir) == ("personas", "scripted", "/x")
        assert args.context_size == 4096
    app = parse(["--model", "/m.gguf", "--port", "8123"])
    assert (app.command, app.model, app.port) == ("app", "/m.gguf", 8123)
    assert parse(["--model", "/m.gguf", "app"]).model == "/m.gguf"


def test_global_backend_option_runs(tmp_path: Path) -> None:
    result = simulator(
        "--backend",
        "scripted",
        "personas",
        "list",
        "--json",
        env={"SIMULATOR_DATA_DIR": str(tmp_path / "data")},
    )
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) >= 8
