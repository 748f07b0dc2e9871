"""Files offered to the browser pass Gradio's own rule for what it may serve."""

from __future__ import annotations

import os
import stat
import tempfile
import time
import uuid
from pathlib import Path

from gradio import utils

from simulator.storage.downloads import Downloads


def gradio_allows(path: str | Path) -> bool:
    """Gradio's check for a file an event returns (processing_utils._check_allowed), with no
    allowed_paths given to launch(), run from a working directory outside the file's folder."""
    allowed, _ = utils.is_allowed_file(
        utils.abspath(path),
        blocked_paths=[],
        allowed_paths=[os.getcwd(), tempfile.gettempdir()],
        created_paths=[utils.get_upload_folder()],
    )
    return allowed


def test_a_report_in_the_home_data_folder_is_refused_but_its_offered_copy_is_served(
    monkeypatch,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    home_data = Path.home() / ".cache" / "coaching-simulator-tests" / uuid.uuid4().hex[:8]
    home_data.mkdir(parents=True)
    try:
        report = home_data / "feedback-abc.md"
        report.write_text("# Feedback\n", encoding="utf-8")
        monkeypatch.chdir(tmp_path)  # a user starts the app from some other folder
        assert not gradio_allows(report), "the bug this fixes: Gradio refuses the data folder"
        offered = Downloads().offer(report)
        assert gradio_allows(offered)
        assert Path(offered).read_text(encoding="utf-8") == "# Feedback\n"
        assert Path(offered).name == "feedback-abc.md"
        assert stat.S_IMODE(Path(offered).stat().st_mode) == 0o600
        assert stat.S_IMODE(Path(offered).parent.stat().st_mode) == 0o700
    finally:
        for path in home_data.iterdir():
            path.unlink()
        home_data.rmdir()


def test_each_offer_is_a_new_file_and_old_ones_are_removed() -> None:
    downloads = Downloads(keep_s=60)
    first = downloads.write("scores.csv", "a,b\n")
    second = downloads.write("scores.csv", "c,d\n")
    assert first != second and Path(first).read_text() == "a,b\n"
    old = time.time() - 120
    os.utime(Path(first).parent, (old, old))
    downloads.write("other.csv", "e\n")
    assert not Path(first).exists() and Path(second).exists()
