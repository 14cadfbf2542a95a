"""Session settings every rebuilt network shares."""

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from watchkeeper.errors import ModelError
from watchkeeper.networks.runtime import make_session


@pytest.fixture
def identity_model(tmp_path: Path) -> Path:
    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"])],
        "identity",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])],
    )
    path = tmp_path / "identity.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return path


def test_sessions_run_without_spinning_threads(identity_model: Path) -> None:
    session = make_session(identity_model, threads=2)
    options = session.get_session_options()
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    assert options.intra_op_num_threads == 2
    (out,) = session.run(None, {"x": np.array([1.0, 2.0], dtype=np.float32)})
    assert out.tolist() == [1.0, 2.0]


def test_bad_thread_count_and_unreadable_model_are_refused(identity_model: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="threads"):
        make_session(identity_model, threads=0)
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a model")
    with pytest.raises(ModelError, match="cannot load"):
        make_session(broken)
