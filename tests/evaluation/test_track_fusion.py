"""Track-level fusion on the shared clip, scored against the annotation of who is where."""

from __future__ import annotations

from pathlib import Path

import pytest

from watchkeeper.config import Settings
from watchkeeper.errors import InputError
from watchkeeper.evaluation.tracks import RULES, evaluate_track_fusion, read_annotations
from watchkeeper.face import DetectorKind, EngineOptions, FaceEngine
from watchkeeper.video.sources import VideoSource

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ANNOTATIONS = PROJECT_ROOT / "benchmarks" / "data" / "short_hamilton_clip_faces.csv"
REFERENCES = {"lin_manuel_miranda": "examples/lin-manuel-miranda.png", "alex_lacamoire": "examples/alex-lacamoire.png"}


@pytest.mark.slow  # the CNN detector over 92 frames
def test_tracks_separate_watchlisted_people_from_others_better_than_single_faces(
    faces_dir: Path, settings: Settings
) -> None:
    engine = FaceEngine(EngineOptions(detector=DetectorKind.CNN), settings)
    watchlist = {
        name: engine.analyse_file(faces_dir / path).single_face().require_descriptor()
        for name, path in REFERENCES.items()
    }
    with VideoSource(faces_dir / "examples/short_hamilton_clip.mp4") as source:
        result = evaluate_track_fusion(engine, source.frames(), read_annotations(ANNOTATIONS), watchlist, 0.6)

    assert result.processed_frames == 92  # every third of 275 frames
    assert result.unannotated_observations == 0
    assert result.tracks_spanning_several_people == 1  # one track runs on across the cut to the audience
    outcomes = {o.rule: o for o in result.outcomes}
    assert tuple(outcomes) == RULES
    per_face = outcomes["per_face"]
    assert per_face.mated + per_face.non_mated == result.observations
    for rule in RULES[1:]:
        outcome = outcomes[rule]
        assert (outcome.mated, outcome.non_mated) == (2, 4)  # Lin and Alex; three audience members, four segments
        assert outcome.mated_found == 2
        assert outcome.false_alerts == 0
        assert outcome.margin > per_face.margin


def test_bad_annotation_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("first_frame,last_frame,left,top,right,bottom,identity\n0,x,0,0,1,1,ann\n")
    with pytest.raises(InputError, match=r"a\.csv:2"):
        read_annotations(path)
