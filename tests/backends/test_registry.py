"""Backends are found by name, each validates its own options, and a new one is one module."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.backends.base import BackendOptions, ChatBackend
from simulator.backends.openai import OpenAIBackend
from simulator.backends.registry import BACKENDS, build, options_model, parse_options
from simulator.backends.scripted import ScriptedBackend
from simulator.cli.commands import backend_options
from simulator.errors import SimulatorError
from simulator.runtime import Settings, make_backend
from tests.cli.test_commands import simulator
from tests.conftest import COACHING_SCRIPT


class Options(BackendOptions):
    """The options of the backend this module registers in a test below."""

    reply: str
    words: int = 1


def make(options: Options, context_size: int) -> ScriptedBackend:
    return ScriptedBackend(
        default=" ".join([options.reply] * options.words), context_size=context_size
    )


def test_every_registered_backend_declares_options_that_refuse_unknown_names() -> None:
    for name in BACKENDS:
        model = options_model(name)
        assert issubclass(model, BackendOptions)
        with pytest.raises(SimulatorError) as caught:
            parse_options(name, {"no_such_option": "1"})
        assert f"backend '{name}'" in str(caught.value)
        assert "option 'no_such_option' is not one of its options" in str(caught.value)


def test_a_bad_value_names_the_option() -> None:
    with pytest.raises(SimulatorError, match=r"backend 'scripted': option 'delay': .*number"):
        parse_options("scripted", {"delay": "slow"})
    with pytest.raises(SimulatorError, match=r"option 'threads': .*greater than or equal to 0"):
        parse_options("llama", {"threads": "-2"})


def test_an_unknown_backend_lists_the_known_ones() -> None:
    with pytest.raises(
        SimulatorError, match="unknown backend 'nope' \\(use llama, openai, scripted"
    ):
        make_backend(Settings(backend="nope"))


def test_a_new_backend_is_one_module_and_one_registry_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(BACKENDS, "echo", __name__)
    backend: ChatBackend = build("echo", {"reply": "same", "words": "3"}, 2048)
    assert isinstance(backend, ScriptedBackend) and backend.context_size == 2048
    reply = "".join(backend.stream([], max_tokens=10, temperature=0, seed=0, stop=[]))
    assert reply == "same same same"
    with pytest.raises(SimulatorError, match="option 'reply': Field required"):
        build("echo", {}, 2048)


def test_the_shared_flags_reach_the_backend_that_declares_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SIMULATOR_BASE_URL", raising=False)
    settings = Settings(
        backend="openai",
        base_url="http://127.0.0.1:9/v1",
        model_name="qwen",
        model="ignored.gguf",  # --model is llama's; openai does not declare it
        context_size=1024,
        backend_options={"timeout_s": "5"},
    )
    backend = make_backend(settings)
    assert isinstance(backend, OpenAIBackend)
    assert (backend.base_url, backend.model_name, backend.context_size) == (
        "http://127.0.0.1:9/v1",
        "qwen",
        1024,
    )
    with pytest.raises(SimulatorError, match="--backend openai needs --base-url"):
        make_backend(Settings(backend="openai"))


def test_scripted_delay_comes_from_the_option_then_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SIMULATOR_SCRIPTED_DELAY", "0.5")
    assert make_backend(Settings(backend="scripted")).delay == 0.5  # type: ignore[attr-defined]
    chosen = make_backend(Settings(backend="scripted", backend_options={"delay": "0"}))
    assert chosen.delay == 0  # type: ignore[attr-defined]


def test_option_pairs_must_have_a_name_and_an_equals_sign() -> None:
    assert backend_options(["a=1", "b=x=y", "c="]) == {"a": "1", "b": "x=y", "c": ""}
    for bad in ("novalue", "=1"):
        with pytest.raises(SimulatorError, match="expects KEY=VALUE"):
            backend_options([bad])


def test_backend_options_on_the_command_line(tmp_path: Path) -> None:
    script = tmp_path / "script.txt"
    script.write_text("\n".join(COACHING_SCRIPT[:2]) + "\n")
    env = {"SIMULATOR_DATA_DIR": str(tmp_path / "data")}
    common = ["--persona", "roadmap-gave-in", "--script", str(script), "--json"]
    ok = simulator("-o", "delay=0", "run-script", "--backend", "scripted", *common, env=env)
    assert ok.returncode == 0, ok.stderr
    assert len(json.loads(ok.stdout)["turns"]) == 5
    bad = simulator("run-script", "--backend", "scripted", "-o", "dealy=0", *common, env=env)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "backend 'scripted': option 'dealy' is not one of its options (delay)" in bad.stderr


def test_listing_backends_does_not_import_their_sdks() -> None:
    code = (
        "import sys; from simulator.backends.registry import options_model;"
        "[options_model(n) for n in ('llama', 'openai', 'scripted')];"
        "print('llama_cpp' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False", done.stderr
