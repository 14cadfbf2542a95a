from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from watchkeeper.types import BoundingBox, ImageSize


def boxes(limit: int = 2000) -> st.SearchStrategy[BoundingBox]:
    @st.composite
    def build(draw: st.DrawFn) -> BoundingBox:
        left = draw(st.integers(-limit, limit))
        top = draw(st.integers(-limit, limit))
        return BoundingBox(left, top, left + draw(st.integers(0, limit)), top + draw(st.integers(0, limit)))

    return build()


def test_box_measures_between_its_edges() -> None:
    box = BoundingBox(left=349, top=142, right=617, bottom=409)
    assert (box.width, box.height) == (268, 267)
    assert box.as_css() == (142, 617, 409, 349)


def test_box_rejects_inverted_corners() -> None:
    with pytest.raises(ValueError, match="right < left"):
        BoundingBox(left=10, top=0, right=9, bottom=5)


def test_image_size_rejects_empty() -> None:
    with pytest.raises(ValueError, match="positive"):
        ImageSize(0, 10)


@given(boxes(), st.integers(1, 3000), st.integers(1, 3000))
def test_clipped_box_lies_inside_the_image(box: BoundingBox, width: int, height: int) -> None:
    clipped = box.clipped(ImageSize(width, height))
    assert 0 <= clipped.left <= clipped.right <= width
    assert 0 <= clipped.top <= clipped.bottom <= height


@given(boxes(), boxes())
def test_iou_is_symmetric_and_bounded(first: BoundingBox, second: BoundingBox) -> None:
    iou = first.intersection_over_union(second)
    assert 0.0 <= iou <= 1.0
    assert iou == pytest.approx(second.intersection_over_union(first))
    assert first.intersection_over_union(first) == (1.0 if first.area else 0.0)


def test_iou_of_known_overlap() -> None:
    # Two 10x10 boxes overlapping in a 5x10 strip: 50 / (100 + 100 - 50).
    assert BoundingBox(0, 0, 10, 10).intersection_over_union(BoundingBox(5, 0, 15, 10)) == pytest.approx(1 / 3)


def test_scaling_maps_back_from_a_downscaled_image() -> None:
    assert BoundingBox(10, 20, 30, 40).scaled(2.5) == BoundingBox(25, 50, 75, 100)


def test_translated_expanded_and_union() -> None:
    box = BoundingBox(10, 20, 30, 60)
    assert box.translated(5, -20) == BoundingBox(15, 0, 35, 40)
    assert box.expanded(0.5) == BoundingBox(0, 0, 40, 80)  # half the width each side, half the height
    assert box.expanded(0.0) == box
    assert box.union(BoundingBox(0, 50, 12, 70)) == BoundingBox(0, 20, 30, 70)


@given(boxes(), boxes())
def test_union_holds_both(first: BoundingBox, second: BoundingBox) -> None:
    union = first.union(second)
    for box in (first, second):
        assert union.left <= box.left <= box.right <= union.right
        assert union.top <= box.top <= box.bottom <= union.bottom
