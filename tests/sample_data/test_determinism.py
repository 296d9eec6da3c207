"""Same seed and arguments: byte-identical files. Another seed: different data."""

from __future__ import annotations

import hashlib
from pathlib import Path

from dagster_project.sample_data import generate_sample_data, write_reference_data
from tests.sample_data.readback import files_of


def _digests(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in files_of(root)
    }


def test_same_seed_gives_identical_bytes(tmp_path):
    first = generate_sample_data(tmp_path / "a", customers=300, seed=11)
    second = generate_sample_data(tmp_path / "b", customers=300, seed=11)
    assert first.rows == second.rows
    digests = _digests(tmp_path / "a")
    assert len(digests) == first.files
    assert digests == _digests(tmp_path / "b")


def test_another_seed_gives_other_data(tmp_path):
    generate_sample_data(tmp_path / "a", customers=300, seed=11)
    generate_sample_data(tmp_path / "b", customers=300, seed=12)
    a, b = _digests(tmp_path / "a"), _digests(tmp_path / "b")
    changed = [name for name in a.keys() & b.keys() if a[name] != b[name]]
    assert len(changed) > 0.9 * len(a.keys() & b.keys())


def test_reference_data_is_reproducible(tmp_path):
    write_reference_data(tmp_path / "a")
    write_reference_data(tmp_path / "b")
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")
    assert len(_digests(tmp_path / "a")) == 3
