"""`simulator personas ...`: list, validate, schema, export, import, probe and transcript."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from simulator.errors import PersonaError
from simulator.personas.cards import from_card, write_card
from simulator.personas.library import SCHEMA_FILE, Persona, json_schema, validate_folder
from simulator.personas.studio import save_persona
from simulator.runtime import Settings, make_backend, make_library
from simulator.storage.paths import PERSONAS_DIR

SettingsFrom = Callable[[argparse.Namespace], Settings]


def add_parser(sub: argparse._SubParsersAction, common: Callable) -> None:
    personas = sub.add_parser("personas", help="list, validate, share and probe personas")
    psub = personas.add_subparsers(dest="personas_command", required=True)
    plist = psub.add_parser("list", help="list personas (bundled and your own)")
    common(plist)
    plist.add_argument("--json", action="store_true")
    plist.add_argument("--dir", type=Path, default=None, help="list only this folder")
    pval = psub.add_parser("validate", help="check every persona file in a folder")
    common(pval)
    pval.add_argument(
        "dir",
        nargs="?",
        type=Path,
        default=None,
        help="default: the bundled personas and your own folder",
    )
    pschema = psub.add_parser("schema", help="print (or write) the persona JSON Schema")
    pschema.add_argument(
        "--write", action="store_true", help=f"write personas/{SCHEMA_FILE} instead of printing"
    )
    pexport = psub.add_parser("export", help="write a persona as a Character Card V2")
    common(pexport)
    pexport.add_argument("id")
    pexport.add_argument("--format", choices=["card"], default="card")
    pexport.add_argument("--output", type=Path, required=True)
    pimport = psub.add_parser("import", help="read a character card into your personas folder")
    common(pimport)
    pimport.add_argument("file", type=Path)
    pimport.add_argument("--check", action="store_true", help="only report; save nothing")
    pprobe = psub.add_parser("probe", help="test a persona on the model before a cohort does")
    common(pprobe)
    pprobe.add_argument("id")
    pprobe.add_argument("--json", action="store_true")
    ptranscript = psub.add_parser(
        "transcript",
        help="play a script of manager lines to a persona and write a Markdown transcript with "
        "the state, released facts, fidelity and guard actions per turn",
    )
    common(ptranscript)
    ptranscript.add_argument("id")
    ptranscript.add_argument(
        "--script", type=Path, required=True, help="manager lines, one a line; # comments"
    )
    ptranscript.add_argument("--difficulty", choices=["easy", "medium", "hard"], default="medium")
    ptranscript.add_argument(
        "--output", type=Path, default=None, help="write here instead of printing"
    )


def row(persona: Persona, source: str) -> dict[str, object]:
    return {
        "id": persona.id,
        "name": persona.name,
        "role": persona.role,
        "situation": persona.brief.situation,
        "exercises": list(persona.exercises),
        "source": source,
    }


def run(args: argparse.Namespace, settings_from: SettingsFrom) -> int:
    command = args.personas_command
    if command == "schema":
        if args.write:
            (PERSONAS_DIR / SCHEMA_FILE).write_text(json_schema(), encoding="utf-8")
        else:
            sys.stdout.write(json_schema())
        return 0
    settings = settings_from(args)
    if command == "validate":
        folders = [args.dir] if args.dir else [settings.personas_path]
        if not args.dir and settings.user_personas_path.is_dir():
            folders.append(settings.user_personas_path)
        problems = []
        count = 0
        for folder in folders:
            personas, found = validate_folder(folder)
            count += len(personas)
            problems += [
                p
                for p in found
                if not p.endswith("no persona files (*.yaml) found") or folder == args.dir
            ]
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        if not problems:
            print(f"{count} persona files in {', '.join(map(str, folders))} are valid")
        return 1 if problems else 0
    if command == "list":
        if args.dir:
            personas, problems = validate_folder(args.dir)
            rows = [row(p, str(args.dir)) for p in personas]
        else:
            library = make_library(settings)
            problems = library.problems
            rows = [
                row(p, "bundled" if library.is_bundled(p.id) else "yours") for p in library.all()
            ]
        for problem in problems:
            print(f"warning: skipped {problem}", file=sys.stderr)
        if args.json:
            print(json.dumps(rows, indent=2, ensure_ascii=False))
        else:
            for r in rows:
                print(f"{r['id']!s:26} {r['name']} — {r['role']} ({r['source']})")
        return 0
    if command == "export":
        write_card(make_library(settings).get(args.id), args.output)
        print(f"wrote {args.output}")
        return 0
    if command == "import":
        return import_card(args, settings)
    if command == "transcript":
        return transcript_command(args, settings)
    return probe_command(args, settings)


def transcript_command(args: argparse.Namespace, settings: Settings) -> int:
    import tempfile

    from simulator.conversation.practice import Practice
    from simulator.personas.probe import play
    from simulator.personas.review import read_script, transcript_markdown
    from simulator.storage.store import Store

    lines = read_script(args.script)
    persona = make_library(settings).get(args.id)
    backend = make_backend(settings)
    with tempfile.TemporaryDirectory() as tmp:
        practice = Practice(backend, Store(Path(tmp) / "transcript.db"))
        conversation = play(practice, persona, lines, args.difficulty)
    markdown = transcript_markdown(conversation)
    if args.output:
        args.output.write_text(markdown, encoding="utf-8")
        print(f"wrote {args.output}")
    else:
        sys.stdout.write(markdown)
    return 0


def import_card(args: argparse.Namespace, settings: Settings) -> int:
    try:
        raw = args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PersonaError(f"{args.file}: cannot read: {exc}") from None
    persona, filled = from_card(raw, str(args.file))
    if filled:
        print(
            f"note: the card had no {', '.join(filled)}; filled with placeholders to edit "
            "before use",
            file=sys.stderr,
        )
    if args.check:
        print(f"{args.file}: a valid persona '{persona.id}' ({persona.name})")
        return 0
    library = make_library(settings)
    path = save_persona(persona, library)
    print(f"saved {path}")
    return 0


def probe_command(args: argparse.Namespace, settings: Settings) -> int:
    from simulator.personas.probe import probe

    persona = make_library(settings).get(args.id)
    result = probe(persona, make_backend(settings))
    if args.json:
        print(result.model_dump_json(indent=2))
    else:
        for check in result.checks:
            print(f"{'pass' if check.passed else 'WARN'}  {check.name}: {check.detail}")
        voice = result.voice
        print(
            f"fact fidelity {voice.fact_fidelity if voice.fact_fidelity is not None else 'n/a'}"
            f" · filler rate {voice.filler_rate} · repeated openers {voice.repeated_openers}"
        )
        print("passed" if result.passed else "some checks warn: read the transcripts with --json")
    return 0 if result.passed else 1
