"""Where the project's own files and the user's data live."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import platformdirs

import simulator

APP_NAME = "coaching-simulator"
# Anchored on the package, not on this module, so moving modules between subpackages leaves
# every path below unchanged.
PACKAGE = Path(simulator.__file__).resolve().parent
ROOT = PACKAGE.parent


def bundled(name: str) -> Path:
    """A folder of the project's own data (`personas`, `prompts`, `rubrics`): inside the package
    when installed from a wheel (the build copies them to `simulator/bundled/`), else beside the
    package in the source tree."""
    inside = PACKAGE / "bundled" / name
    return inside if inside.is_dir() else ROOT / name


PERSONAS_DIR = bundled("personas")
PROMPTS_DIR = bundled("prompts")
RUBRICS_DIR = bundled("rubrics")
CORPUS_DIR = PACKAGE / "coding" / "corpus"


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The folder for the conversation database: an explicit path, $SIMULATOR_DATA_DIR, or the
    per-user data folder."""
    chosen = override or os.environ.get("SIMULATOR_DATA_DIR")
    if chosen:  # a folder the user chose is made private only if we create it
        return private_folder(Path(chosen), tighten=False)
    return private_folder(Path(platformdirs.user_data_dir(APP_NAME)))


def private_folder(path: Path, *, tighten: bool = True) -> Path:
    """Create `path` readable by this user only (0700, whatever the umask); an existing folder is
    tightened too unless `tighten` is false. Conversations are personal: other accounts on the
    machine have no business reading them."""
    existed = path.is_dir()
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if tighten or not existed:
        os.chmod(path, 0o700)
    return path


def private_file(path: Path) -> Path:
    """Make sure `path` exists and is readable by this user only (0600 when new, whatever the
    umask), before anything is written to it. An existing file loses only the access of others:
    one kept read-only on purpose stays read-only."""
    if path.exists():
        os.chmod(path, stat.S_IMODE(path.stat().st_mode) & 0o700)
    else:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        os.chmod(path, 0o600)
    return path


def write_private(path: Path, content: str) -> None:
    """Write `content` to `path` as UTF-8, readable by this user only."""
    private_file(path).write_text(content, encoding="utf-8")


def cache_dir() -> Path:
    """The folder the embedded model is assembled into: $SIMULATOR_CACHE_DIR or the user cache."""
    chosen = os.environ.get("SIMULATOR_CACHE_DIR")
    path = Path(chosen) if chosen else Path(platformdirs.user_cache_dir(APP_NAME))
    path.mkdir(parents=True, exist_ok=True)
    return path
