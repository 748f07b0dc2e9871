from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from simulator.backends import model_files
from simulator.backends.model_files import assemble_embedded, check_gguf, resolve_model
from simulator.errors import ModelError


def test_missing_model_is_named(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"nope\.gguf: model file not found"):
        resolve_model(str(tmp_path / "nope.gguf"))


def test_non_gguf_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.gguf"
    path.write_text("these are not weights")
    with pytest.raises(ModelError, match="not a GGUF model file"):
        check_gguf(path)


def test_a_folder_is_not_a_model(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not a file"):
        check_gguf(tmp_path)


def test_environment_variable_selects_the_model(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "other.gguf"
    path.write_bytes(b"GGUF" + b"\0" * 64)
    monkeypatch.setenv("SIMULATOR_MODEL", str(path))
    assert resolve_model() == path


def fake_parts(folder: Path, monkeypatch, blocks: list[bytes]) -> list[Path]:
    parts = []
    for number, block in enumerate(blocks, 1):
        part = folder / f"part{number:02d}.bin"
        part.write_bytes(block)
        parts.append(part)
    whole = b"".join(blocks)
    monkeypatch.setattr(model_files, "part_paths", lambda: parts)
    monkeypatch.setattr(model_files, "EMBEDDED_SIZE", len(whole))
    monkeypatch.setattr(model_files, "CHUNK", 7)
    return parts


def test_assembly_joins_parts_in_order_verifies_and_reports_progress(tmp_path, monkeypatch):
    blocks = [b"GGUF-first-", b"second-", b"third"]
    fake_parts(tmp_path, monkeypatch, blocks)
    monkeypatch.setattr(
        model_files, "EMBEDDED_SHA256", hashlib.sha256(b"".join(blocks)).hexdigest()
    )
    seen: list[tuple[str, float]] = []
    target = assemble_embedded(tmp_path / "cache", progress=lambda s, f: seen.append((s, f)))
    assert target.read_bytes() == b"".join(blocks)
    assert seen[-1] == ("assembling model", 1.0)
    assert [f for _, f in seen] == sorted(f for _, f in seen)
    seen.clear()
    assert (
        assemble_embedded(tmp_path / "cache", progress=lambda s, f: seen.append((s, f))) == target
    )
    assert {s for s, _ in seen} == {"verifying model"}  # reused, checked again, not rebuilt


def test_wrong_hash_leaves_no_file_behind(tmp_path, monkeypatch):
    fake_parts(tmp_path, monkeypatch, [b"GGUF-a", b"b"])
    monkeypatch.setattr(model_files, "EMBEDDED_SHA256", "0" * 64)
    with pytest.raises(ModelError, match="SHA-256"):
        assemble_embedded(tmp_path / "cache")
    assert list((tmp_path / "cache").iterdir()) == []


def test_a_corrupted_cached_copy_is_rebuilt(tmp_path, monkeypatch):
    blocks = [b"GGUF-a", b"bcd"]
    fake_parts(tmp_path, monkeypatch, blocks)
    monkeypatch.setattr(
        model_files, "EMBEDDED_SHA256", hashlib.sha256(b"".join(blocks)).hexdigest()
    )
    target = assemble_embedded(tmp_path / "cache")
    target.write_bytes(b"GGUF-X" + b"bcd")  # same size, different bytes
    assert assemble_embedded(tmp_path / "cache").read_bytes() == b"".join(blocks)


def test_real_parts_are_installed_and_add_up() -> None:
    parts = model_files.part_paths()
    assert len(parts) == 22
    assert [p.name for p in parts] == [f"part{n:02d}.bin" for n in range(1, 23)]
    assert sum(p.stat().st_size for p in parts) == model_files.EMBEDDED_SIZE
    assert parts[0].open("rb").read(4) == b"GGUF"
