"""The `simulator` command. Each subcommand is a thin wrapper over plain functions."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from simulator.backends.registry import backend_names
from simulator.cli import personas as persona_cli
from simulator.conversation.practice import Practice
from simulator.conversation.state import DIFFICULTIES
from simulator.conversation.transcript import Conversation
from simulator.errors import SimulatorError
from simulator.runtime import Settings, make_backend, make_library, make_practice, make_store

COMMON_DEFAULTS: dict[str, object] = {
    "model": None,
    "backend": None,
    "base_url": None,
    "api_key": None,
    "model_name": None,
    "data_dir": None,
    "personas_dir": None,
    "user_personas_dir": None,
    "context_size": 4096,
    "backend_options": None,
}


def _common(parser: argparse.ArgumentParser) -> None:
    """Options every command shares. They are accepted before the subcommand too
    (`simulator --model X app`), so no parser sets a default: `main` fills in the ones not given,
    and a value given before the subcommand is not overwritten by the subcommand's default."""
    parser.add_argument(
        "--model", help="path to a GGUF model (default: $SIMULATOR_MODEL, then the embedded model)"
    )
    parser.add_argument(
        "--backend",
        choices=backend_names(),
        default=None,
        help="llama: the model in this process (default); openai: an OpenAI-compatible server; "
        "scripted: canned lines, no model (demos). Also $SIMULATOR_BACKEND.",
    )
    parser.add_argument(
        "--base-url",
        help="with --backend openai: the server's API root, e.g. http://127.0.0.1:8080/v1 "
        "($SIMULATOR_BASE_URL)",
    )
    parser.add_argument("--api-key", help="with --backend openai ($SIMULATOR_API_KEY)")
    parser.add_argument(
        "--model-name",
        help="with --backend openai: the served model's name ($SIMULATOR_MODEL_NAME)",
    )
    parser.add_argument(
        "--data-dir",
        help="folder for saved conversations "
        "(default: $SIMULATOR_DATA_DIR or the per-user data folder)",
    )
    parser.add_argument(
        "--personas-dir",
        help="folder of persona files (default: $SIMULATOR_PERSONAS_DIR or the bundled personas)",
    )
    parser.add_argument(
        "--user-personas-dir",
        help="folder for personas facilitators create or import "
        "(default: $SIMULATOR_USER_PERSONAS_DIR or personas/ in the data folder)",
    )
    parser.add_argument("--context-size", type=int, help="model context in tokens (4096)")
    parser.add_argument(
        "-o",
        "--backend-option",
        dest="backend_options",
        action="append",
        metavar="KEY=VALUE",
        help="an option of the chosen backend, e.g. -o threads=2 (llama) or -o timeout_s=120 "
        "(openai); repeatable, and checked against the backend's own options",
    )
    for action in parser._actions:
        if action.dest in COMMON_DEFAULTS:
            action.default = argparse.SUPPRESS


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="simulator", description="Practise coaching a simulated product manager."
    )
    _common(parser)
    sub = parser.add_subparsers(dest="command")

    app = sub.add_parser("app", help="start the web app (the default)")
    _common(app)
    app.add_argument("--host", default="127.0.0.1")
    app.add_argument("--port", type=int, default=7860)
    app.add_argument(
        "--facilitator-passcode-file",
        type=Path,
        metavar="PATH",
        help="turns on the facilitator pages (Studio, rounds) behind the passcode in this file "
        "(or set $SIMULATOR_FACILITATOR_PASSCODE); without one they are not offered",
    )
    app.add_argument(
        "--facilitator-passcode",
        help="the passcode itself; other users of this machine can see it in `ps`, so prefer "
        "--facilitator-passcode-file or $SIMULATOR_FACILITATOR_PASSCODE",
    )

    chat = sub.add_parser("chat", help="talk to a persona in the terminal")
    _common(chat)
    chat.add_argument("--persona", help="persona id (see `simulator personas list`)")
    chat.add_argument("--difficulty", choices=DIFFICULTIES, default="medium")
    chat.add_argument("--resume", metavar="CONVERSATION", help="continue a saved conversation")

    script = sub.add_parser("run-script", help="play a file of manager lines against a persona")
    _common(script)
    script.add_argument("--persona", required=True)
    script.add_argument("--script", required=True, type=Path, help="one manager line per line")
    script.add_argument("--difficulty", choices=DIFFICULTIES, default="medium")
    script.add_argument("--json", action="store_true", help="print the transcript as JSON")

    persona_cli.add_parser(sub, _common)

    sessions = sub.add_parser("sessions", help="saved conversations")
    _common(sessions)
    ssub = sessions.add_subparsers(dest="sessions_command", required=True)
    slist = ssub.add_parser("list", help="list saved conversations")
    slist.add_argument("--json", action="store_true")
    sexport = ssub.add_parser("export", help="print a conversation as a JSON transcript")
    sexport.add_argument("conversation")

    fixes = sub.add_parser("corrections", help="corrections of the coder made in the feedback view")
    _common(fixes)
    fsub = fixes.add_subparsers(dest="corrections_command", required=True)
    fexport = fsub.add_parser(
        "export", help="print corrected turns as labelled JSON Lines (the corpus format)"
    )
    _common(fexport)
    fexport.add_argument("--conversation", help="only this conversation's corrections")

    code = sub.add_parser("code", help="code every manager turn in transcript files")
    code.add_argument("transcripts", nargs="+", type=Path)
    code.add_argument("--json", action="store_true", help="one JSON object per manager turn")

    evaluate = sub.add_parser("evaluate", help="score transcripts against a rubric")
    _common(evaluate)
    evaluate.add_argument("transcripts", nargs="+", type=Path, metavar="TRANSCRIPT")
    evaluate.add_argument(
        "--rubric",
        default="coaching",
        help="rubric id: bundled, or a file in rubrics/ in the data folder",
    )
    evaluate.add_argument(
        "--json", action="store_true", help="one JSON object per line, each naming its file"
    )
    evaluate.add_argument(
        "--no-model", action="store_true", help="write the feedback from the coded behaviour only"
    )

    kappa = sub.add_parser(
        "code-agreement",
        help="agreement of the coder with people: kappa, precision, recall and confusion per field",
    )
    kappa.add_argument(
        "--split",
        choices=["train", "dev", "test"],
        default="dev",
        help="the labelled corpus split to measure on (dev; test is for the final measurement)",
    )
    kappa.add_argument(
        "--corpus",
        type=Path,
        metavar="FILE",
        help="measure on your own labelled JSON Lines instead (simulator/coding/corpus/README.md)",
    )
    kappa.add_argument(
        "--set",
        dest="sets",
        type=Path,
        action="append",
        help="instead: older question|reflection|flags|text file(s)",
    )
    kappa.add_argument("--json", action="store_true")

    train = sub.add_parser(
        "train-coder",
        help="train the learned coder (settings by cross-validation on the training files)",
    )
    train.add_argument(
        "--train",
        type=Path,
        nargs="+",
        metavar="FILE",
        help="labelled JSON Lines, read as one training set (default: the train split)",
    )
    train.add_argument("--dev", type=Path, help="labelled JSON Lines (default: the dev split)")
    train.add_argument("--out", type=Path, help="weights file (default: the one the coder reads)")
    train.add_argument("--seed", type=int, default=0)

    offscript = sub.add_parser(
        "train-offscript",
        help="train the learned off-script check (threshold by cross-validation)",
    )
    offscript.add_argument("--out", type=Path, help="weights file (default: the one the app reads)")
    offscript.add_argument("--seed", type=int, default=0)

    bench_eval = sub.add_parser("bench-eval", help="time coding, scoring and the full report")
    _common(bench_eval)
    bench_eval.add_argument("--turns", type=int, default=40, help="manager turns in the transcript")
    bench_eval.add_argument("--no-model", action="store_true")

    sub.add_parser(
        "bench-regex", help="worst time of the text checks on hostile messages (no model)"
    )

    bench = sub.add_parser("bench", help="time a scripted session on the model")
    _common(bench)
    bench.add_argument("--turns", type=int, default=20)
    bench.add_argument("--persona", default="roadmap-gave-in")
    bench.add_argument("--json", action="store_true")
    bench.add_argument(
        "--concurrent",
        type=int,
        nargs="+",
        metavar="K",
        help="instead: K scripted participants at once (several K allowed), in-process and "
        "through a local llama-cpp-python server; prints time to first token p50/p95",
    )
    bench.add_argument(
        "--think",
        type=float,
        default=5.0,
        help="with --concurrent: seconds each participant pauses between messages",
    )
    bench.add_argument(
        "--no-server", action="store_true", help="with --concurrent: skip the local server run"
    )
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    return Settings(
        model=getattr(args, "model", None),
        backend=getattr(args, "backend", None) or os.environ.get("SIMULATOR_BACKEND", "llama"),
        base_url=getattr(args, "base_url", None),
        api_key=getattr(args, "api_key", None),
        model_name=getattr(args, "model_name", None),
        data_dir=getattr(args, "data_dir", None),
        personas_dir=getattr(args, "personas_dir", None),
        user_personas_dir=getattr(args, "user_personas_dir", None),
        context_size=getattr(args, "context_size", 4096),
        backend_options=backend_options(getattr(args, "backend_options", None) or []),
    )


def backend_options(pairs: Sequence[str]) -> dict[str, str]:
    """`-o KEY=VALUE` pairs as a dict (the backend's Options model checks names and values)."""
    options: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise SimulatorError(f"--backend-option expects KEY=VALUE, got '{pair}'")
        options[key.strip()] = value
    return options


def cmd_personas(args: argparse.Namespace) -> int:
    return persona_cli.run(args, settings_from)


def _stream_to_terminal(replies: object, name: str) -> None:
    shown = ""
    print(f"{name}: ", end="", flush=True)
    for reply in replies:  # type: ignore[attr-defined]
        if reply.text.startswith(shown):
            print(reply.text[len(shown) :], end="", flush=True)
        else:  # the reply was regenerated or repaired: show the final version
            print(f"\n{name}: {reply.text}", end="", flush=True)
        shown = reply.text
        if reply.done and reply.notice:
            print(f"\n[{reply.notice}]", end="")
    print()


def cmd_chat(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if not args.resume and not args.persona:
        raise SimulatorError(
            "choose a persona with --persona ID (see `simulator personas list`)"
            " or continue one with --resume CONVERSATION"
        )
    store = make_store(settings)
    if args.resume:
        conversation = store.load(args.resume)
    else:
        persona = make_library(settings).get(args.persona)
        conversation = None
    practice = Practice(make_backend(settings), store)
    if conversation is None:
        conversation = practice.start(persona, args.difficulty)
    p = conversation.persona
    print(
        f"\n{p.name}, {p.role} ({conversation.difficulty})\n{p.brief.situation}\n"
        f"Your aim: {p.brief.manager_goal}\n"
        f"Conversation {conversation.id} is saved as you go. Type /quit to stop.\n"
    )
    for turn in conversation.turns:
        who = p.name if turn.speaker == "persona" else "You"
        print(f"{who}: {turn.text}")
    if conversation.awaiting_reply:
        _stream_to_terminal(practice.resume(conversation), p.name)
    while True:
        try:
            line = input("\nYou: ")
        except EOFError:
            break
        if line.strip() in {"/quit", "/exit"}:
            break
        if not line.strip():
            continue
        try:
            _stream_to_terminal(practice.say(conversation, line), p.name)
        except SimulatorError as exc:
            print(f"[{exc}]")
    print(f"\nSaved. Resume with: simulator chat --resume {conversation.id}")
    return 0


def run_script(
    practice: Practice,
    persona_id: str,
    lines: Sequence[str],
    difficulty: str,
    library_settings: Settings,
) -> Conversation:
    persona = make_library(library_settings).get(persona_id)
    conversation = practice.start(persona, difficulty)  # type: ignore[arg-type]
    for line in lines:
        for _ in practice.say(conversation, line):
            pass
    return conversation


def read_script(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SimulatorError(f"{path}: cannot read script: {exc}") from None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise SimulatorError(f"{path}: the script has no manager lines")
    return lines


def cmd_run_script(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    lines = read_script(args.script)
    make_library(settings).get(args.persona)  # fail on a bad id before loading the model
    conversation = run_script(
        make_practice(settings), args.persona, lines, args.difficulty, settings
    )
    if args.json:
        print(json.dumps(conversation.transcript(), indent=2, ensure_ascii=False))
    else:
        for turn in conversation.turns:
            who = conversation.persona.name if turn.speaker == "persona" else "Manager"
            print(f"{who}: {turn.text}\n")
    return 0


def cmd_sessions(args: argparse.Namespace) -> int:
    store = make_store(settings_from(args))
    if args.sessions_command == "export":
        print(json.dumps(store.load(args.conversation).transcript(), indent=2, ensure_ascii=False))
        return 0
    rows = store.list()
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for row in rows:
            print(
                f"{row['id']}  {row['updated_at']}  {row['name']} ({row['difficulty']}), "
                f"{row['turns']} turns"
            )
    return 0


def cmd_corrections(args: argparse.Namespace) -> int:
    from simulator.coding.corrections import export_jsonl

    sys.stdout.write(export_jsonl(make_store(settings_from(args)), args.conversation))
    return 0


def cmd_app(args: argparse.Namespace) -> int:
    from simulator.ui.app import launch

    launch(settings_from(args), host=args.host, port=args.port, passcode=facilitator_passcode(args))
    return 0


def facilitator_passcode(args: argparse.Namespace) -> str | None:
    """The passcode from --facilitator-passcode-file, the command line (with a warning: every
    user of the machine can read a process's arguments) or $SIMULATOR_FACILITATOR_PASSCODE."""
    if args.facilitator_passcode_file is not None:
        path: Path = args.facilitator_passcode_file
        try:
            passcode = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise SimulatorError(f"{path}: cannot read the facilitator passcode ({exc})") from None
        if not passcode:
            raise SimulatorError(f"{path}: the facilitator passcode file is empty")
        return passcode
    if args.facilitator_passcode:
        print(
            "warning: --facilitator-passcode shows the passcode to every user of this machine "
            "(ps); use --facilitator-passcode-file PATH or $SIMULATOR_FACILITATOR_PASSCODE",
            file=sys.stderr,
        )
        return str(args.facilitator_passcode)
    return os.environ.get("SIMULATOR_FACILITATOR_PASSCODE") or None


def cmd_bench(args: argparse.Namespace) -> int:
    from simulator.bench.bench import run_bench

    if args.concurrent:
        from simulator.cli.capacity import run_capacity

        return run_capacity(
            settings_from(args),
            ks=args.concurrent,
            think_s=args.think,
            with_server=not args.no_server,
            as_json=args.json,
        )
    return run_bench(
        settings_from(args), turns=args.turns, persona_id=args.persona, as_json=args.json
    )


def cmd_code(args: argparse.Namespace) -> int:
    from simulator.coding.elements import FeedbackCode
    from simulator.conversation.transcript import read_transcript
    from simulator.scoring.interpreter import code_transcript

    for path in args.transcripts:
        transcript = read_transcript(path)
        for coded in code_transcript(transcript.turns):
            row = {"file": str(path), "turn": coded.index, **coded.code.model_dump()}
            feedback = coded.code.feedback
            row["feedback"] = feedback.model_dump() if feedback != FeedbackCode() else {}
            if args.json:
                print(json.dumps(row, ensure_ascii=False))
            else:
                flags = [
                    k for k in ("leading", "stacked", "summary", "advice", "judgement") if row[k]
                ]
                print(
                    f"{path}:{coded.index}  q={row['question']:6} r={row['reflection']:7} "
                    f"{' '.join(flags):24} {coded.text[:60]}"
                )
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Score each file in one process (the model is loaded once); a file that cannot be read
    gets an error naming it and the others are still scored."""
    from simulator.conversation.transcript import read_transcript
    from simulator.runtime import make_rubrics
    from simulator.scoring.evaluate import Evaluator
    from simulator.scoring.report import report_markdown

    settings = settings_from(args)
    rubric = make_rubrics(settings).get(args.rubric)
    library = make_library(settings)
    backend = None
    if not args.no_model:
        try:
            backend = make_backend(settings)
        except SimulatorError as exc:
            print(f"note: {exc}; the feedback is written from the coded behaviour", file=sys.stderr)
    evaluator = Evaluator(rubric, backend)
    failed = 0
    for path in args.transcripts:
        try:
            transcript = read_transcript(path)
            persona = None
            if transcript.persona and transcript.persona in library.ids():
                persona = library.get(transcript.persona)
            elif transcript.persona:
                print(
                    f"note: {path}: persona '{transcript.persona}' is not in {library.folder}; "
                    "the debrief is left out",
                    file=sys.stderr,
                )
            report = evaluator.evaluate(transcript.turns, persona, transcript.difficulty)
        except SimulatorError as exc:
            failed += 1
            message = str(exc) if str(path) in str(exc) else f"{path}: {exc}"
            if args.json:
                print(json.dumps({"file": str(path), "error": message}, ensure_ascii=False))
            print(f"error: {message}", file=sys.stderr)
            continue
        if args.json:
            row = {"file": str(path), **report.model_dump(mode="json")}
            print(json.dumps(row, ensure_ascii=False), flush=True)
        else:
            if len(args.transcripts) > 1:
                print(f"<!-- {path} -->")
            print(report_markdown(report))
    return 2 if failed else 0


def cmd_code_agreement(args: argparse.Namespace) -> int:
    from simulator.coding.agreement import (
        BUNDLED_SETS,
        CODERS,
        agreement,
        corpus_agreement,
        format_corpus_report,
        read_set,
    )
    from simulator.coding.labelled import read_corpus, split_path

    results: dict[str, Any] = {}
    if not args.sets:
        results["split"] = str(args.corpus) if args.corpus else args.split
        source = args.corpus or split_path(args.split)
        results["corpus"] = corpus_agreement(read_corpus(source))
    sets: dict[str, Any] = {}
    for set_path in args.sets or BUNDLED_SETS:
        items = read_set(set_path)
        sets[str(set_path)] = {
            "utterances": len(items),
            **{name: agreement(items, coder) for name, coder in CODERS.items()},
        }
    results["sets"] = sets
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    if "corpus" in results:
        title = str(args.corpus) if args.corpus else f"{args.split} split"
        print("\n".join(format_corpus_report(title, results["corpus"])))
        print("\nOlder hand-labelled sets (no context), kappa learned / rules:")
    for name, result in sets.items():
        print(f"{name} ({result['utterances']} manager utterances)")
        print(f"  {'field':12} {'learned':>8} {'rules':>8} {'labelled +':>10}")
        for field, row in result["learned"].items():
            rules = result["rules"][field]
            print(
                f"  {field:12} {row['kappa']:>8.3f} {rules['kappa']:>8.3f} {row['positives']:>10}"
            )
    return 0


def cmd_bench_regex(args: argparse.Namespace) -> int:
    from simulator.bench.adversarial import run_bench_regex

    return run_bench_regex()


def cmd_train_coder(args: argparse.Namespace) -> int:
    from simulator.coding.model import WEIGHTS_FILE
    from simulator.coding.train import run

    return run(args.train, args.dev, args.out or WEIGHTS_FILE, args.seed)


def cmd_train_offscript(args: argparse.Namespace) -> int:
    from simulator.conversation.offscript import WEIGHTS_FILE
    from simulator.conversation.offscript_train import run

    return run(args.out or WEIGHTS_FILE, args.seed)


def cmd_bench_eval(args: argparse.Namespace) -> int:
    from simulator.bench.bench import run_bench_eval

    return run_bench_eval(settings_from(args), turns=args.turns, use_model=not args.no_model)


COMMANDS = {
    "app": cmd_app,
    "chat": cmd_chat,
    "run-script": cmd_run_script,
    "personas": cmd_personas,
    "sessions": cmd_sessions,
    "corrections": cmd_corrections,
    "bench": cmd_bench,
    "code": cmd_code,
    "evaluate": cmd_evaluate,
    "code-agreement": cmd_code_agreement,
    "train-coder": cmd_train_coder,
    "train-offscript": cmd_train_offscript,
    "bench-eval": cmd_bench_eval,
    "bench-regex": cmd_bench_regex,
}


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """Parse a command line; shared options may stand before or after the subcommand, and with
    no subcommand the app starts (`simulator --model X --port 8000`)."""
    argv = list(argv)
    if not set(argv) & {*COMMANDS, "-h", "--help"}:
        argv = ["app", *argv]
    args = build_parser().parse_args(argv)
    for name, value in COMMON_DEFAULTS.items():
        if not hasattr(args, name):
            setattr(args, name, value)
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse(sys.argv[1:] if argv is None else argv)
    try:
        code = COMMANDS[args.command](args)
    except SimulatorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        code = 2
    except KeyboardInterrupt:
        code = 130
    sys.exit(code)
