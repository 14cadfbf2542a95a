from __future__ import annotations

from pathlib import Path

import pytest

from watchkeeper.errors import InputError
from watchkeeper.evaluation.annotated import DetectionCounts, count_detections, read_imglab
from watchkeeper.types import BoundingBox

XML = """<dataset><images>
<image file='a.jpg'>
<box top='10' left='20' width='30' height='40'/><box top='100' left='100' width='20' height='20'/>
</image>
<image file='b.jpg'/>
</images></dataset>"""


def test_boxes_are_read_and_paths_resolved(tmp_path: Path) -> None:
    (tmp_path / "faces.xml").write_text(XML)
    first, second = read_imglab(tmp_path / "faces.xml")
    assert first.path == tmp_path / "a.jpg"
    assert first.faces == (BoundingBox(20, 10, 50, 50), BoundingBox(100, 100, 120, 120))
    assert second.faces == ()


def test_found_missed_and_made_up_faces_are_counted(tmp_path: Path) -> None:
    (tmp_path / "faces.xml").write_text(XML)
    images = read_imglab(tmp_path / "faces.xml")
    found = {
        "a.jpg": [BoundingBox(21, 11, 50, 50), BoundingBox(300, 300, 340, 340)],
        "b.jpg": [BoundingBox(0, 0, 9, 9)],
    }
    assert count_detections(images, lambda path: found[path.name]) == DetectionCounts(found=1, missed=1, false_faces=2)


def test_an_unreadable_file_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "bad.xml").write_text("<dataset><images>")
    with pytest.raises(InputError, match="not a readable imglab XML file"):
        read_imglab(tmp_path / "bad.xml")
    with pytest.raises(InputError, match="not a readable imglab XML file"):
        read_imglab(tmp_path / "missing.xml")
