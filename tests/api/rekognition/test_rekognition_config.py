"""The ``[rekognition]`` section: read with the server's settings at start, a bad value named."""

from __future__ import annotations

from pathlib import Path

import pytest

from watchkeeper.config import ConfigError
from watchkeeper.governance.categories import SubjectCategory
from watchkeeper.server.config import read_server_config


def test_read_with_the_server_section(tmp_path: Path) -> None:
    path = tmp_path / "watchkeeper.toml"
    path.write_text(
        "[server]\nport = 9000\n"
        '[rekognition]\ncategory = "wanted_by_courts"\nindex_reason = "warrants"\nsubject_days = 90\n'
    )
    config = read_server_config(path, {})
    assert config.port == 9000
    assert config.rekognition.category is SubjectCategory.WANTED_BY_COURTS
    assert (config.rekognition.index_reason, config.rekognition.subject_days) == ("warrants", 90)
    assert config.rekognition.max_image_bytes == 5 * 1024 * 1024


def test_defaults_assume_no_category(tmp_path: Path) -> None:
    config = read_server_config(tmp_path / "absent.toml", {})
    assert config.rekognition.category is None
    assert config.rekognition.index_reason is None


@pytest.mark.parametrize(
    ("section", "named"),
    [('category = "everyone"', "[rekognition] category"), ("subject_days = 0", "[rekognition] subject_days")],
)
def test_a_bad_value_is_named(tmp_path: Path, section: str, named: str) -> None:
    path = tmp_path / "watchkeeper.toml"
    path.write_text(f"[rekognition]\n{section}\n")
    with pytest.raises(ConfigError, match=named.replace("[", r"\[").replace("]", r"\]")):
        read_server_config(path, {})
