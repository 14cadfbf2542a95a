from __future__ import annotations

from pathlib import Path

import pytest

from watchkeeper.config import ConfigError, NetworkBackend, load_settings


def test_defaults_follow_the_xdg_data_location(tmp_path: Path) -> None:
    settings = load_settings({"XDG_DATA_HOME": str(tmp_path)})
    assert settings.data_dir == tmp_path / "watchkeeper"
    assert settings.model_cache_dir == tmp_path / "watchkeeper" / "models"
    assert settings.network_backend is NetworkBackend.ONNX
    assert settings.threads is None


def test_every_setting_from_the_environment(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "WATCHKEEPER_DATA_DIR": str(tmp_path / "data"),
            "WATCHKEEPER_NETWORK_BACKEND": "DLIB",
            "WATCHKEEPER_THREADS": "2",
        }
    )
    assert settings.data_dir == tmp_path / "data"
    assert settings.network_backend is NetworkBackend.DLIB
    assert settings.threads == 2


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("WATCHKEEPER_NETWORK_BACKEND", "tensorflow", "is not one of: onnx, dlib"),
        ("WATCHKEEPER_THREADS", "0", "must be a whole number of 1 or more"),
        ("WATCHKEEPER_THREADS", "many", "must be a whole number of 1 or more"),
    ],
)
def test_bad_values_name_the_variable(variable: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=f"{variable}='{value}' {message}"):
        load_settings({variable: value})
