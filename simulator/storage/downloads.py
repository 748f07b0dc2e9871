"""Files handed to the browser.

Gradio serves a file only from the working directory, the system temp folder or its own cache,
so a report kept in the user's data folder (`~/.local/share/...`) cannot be handed over as it is.
Each offered file is copied into a private folder under the temp folder (readable by this user
only), and copies older than an hour are removed, so the temp folder does not fill up.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import time
from pathlib import Path

from simulator.storage.paths import private_file, write_private

KEEP_S = 3600.0


class Downloads:
    """A private temp folder of copies of files offered for download."""

    def __init__(self, keep_s: float = KEEP_S) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="coaching-simulator-downloads-"))
        self.keep_s = keep_s

    def offer(self, source: Path, name: str | None = None) -> str:
        """Copy `source` to a fresh subfolder (so two offers never clash) and return its path."""
        target = private_file(self.new_folder() / (name or source.name))
        shutil.copyfile(source, target)
        return str(target)

    def write(self, name: str, content: str) -> str:
        """Write `content` as a new file to offer and return its path."""
        target = self.new_folder() / name
        write_private(target, content)
        return str(target)

    def new_folder(self) -> Path:
        """A fresh private subfolder to build a file in (an archive, say)."""
        self.clean()
        target_dir = self.folder / secrets.token_hex(8)
        target_dir.mkdir(mode=0o700)
        return target_dir

    def clean(self) -> None:
        """Remove copies older than `keep_s`."""
        cutoff = time.time() - self.keep_s
        for entry in self.folder.iterdir():
            try:
                if entry.stat().st_mtime < cutoff:
                    shutil.rmtree(entry, ignore_errors=True)
            except FileNotFoundError:
                continue
