"""dlib's neural networks read from its own model files and rebuilt as ONNX graphs for onnxruntime.

dlib runs one face at a time on one core; the same networks as ONNX graphs run batched and multi-threaded
with onnxruntime, about ten times faster, with results equal to dlib's to float rounding. Modules:
:mod:`.dlib_format` (primitive values), :mod:`.dlib_reader` (layers), :mod:`.graph` (ONNX building blocks),
:mod:`.resnet` (the face-recognition ResNet), :mod:`.mmod` (the CNN face detector),
:mod:`.cache` (built models on disk), :mod:`.runtime`
(onnxruntime sessions) and :mod:`.backends` (the descriptor backend).
"""

from watchkeeper.networks.backends import OnnxDescriptorBackend
from watchkeeper.networks.dlib_reader import DlibNetwork, read_network
from watchkeeper.networks.mmod import OnnxMmodDetector

__all__ = ["DlibNetwork", "OnnxDescriptorBackend", "OnnxMmodDetector", "read_network"]
