"""The shared labelled photos described once per session: the public figures of labels.csv and dlib's
five Johns, as one labels CSV with a group per source (so subgroup breakdowns have something to break)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.evaluation.labelled_sets import write_combined_labels
from watchkeeper.evaluation.labelled import distinct, read_labelled_set
from watchkeeper.evaluation.samples import SampleSet, describe
from watchkeeper.face import FaceEngine


@pytest.fixture(scope="session")
def shared_samples(faces_dir: Path, engine: FaceEngine, tmp_path_factory: pytest.TempPathFactory) -> SampleSet:
    labels = write_combined_labels(faces_dir, tmp_path_factory.mktemp("labels"))
    return describe(engine, distinct(read_labelled_set(labels)))
