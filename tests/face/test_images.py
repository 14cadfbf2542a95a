from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from watchkeeper.errors import ImageDecodeError, ImageTooLargeError, UnsupportedImageFormatError
from watchkeeper.face import FaceEngine, ImageLimits, decode_image, load_image

EXIF_ORIENTATION = 0x0112


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def obama(faces_dir: Path) -> Image.Image:
    return Image.open(faces_dir / "tests/test_images/obama.jpg").convert("RGB")


# What the face_recognition package's own tests expect of decoding.
@pytest.mark.parametrize(
    ("relative", "shape"),
    [("tests/test_images/obama.jpg", (1137, 910, 3)), ("tests/test_images/32bit.png", (1200, 626, 3))],
)
def test_decodes_to_expected_shape(faces_dir: Path, relative: str, shape: tuple[int, int, int]) -> None:
    image = load_image(faces_dir / relative)
    assert image.pixels.shape == shape
    assert image.pixels.dtype == np.uint8
    assert image.pixels.flags["C_CONTIGUOUS"]


@pytest.mark.parametrize(
    ("fmt", "params"), [("JPEG", {"quality": 95}), ("PNG", {}), ("WEBP", {"quality": 95}), ("BMP", {})]
)
def test_each_accepted_format_decodes_and_finds_the_face(
    obama: Image.Image, boxes_only_engine: FaceEngine, fmt: str, params: dict[str, object]
) -> None:
    image = decode_image(encode(obama, fmt, **params), f"obama.{fmt.lower()}")
    assert image.format == fmt
    assert (image.size.width, image.size.height) == (910, 1137)
    assert len(boxes_only_engine.detect(image.pixels)) == 1


def test_exif_orientation_is_applied(obama: Image.Image, boxes_only_engine: FaceEngine) -> None:
    # Stored sideways, flagged "rotate 90 clockwise to view" (orientation 6), as a phone does for portraits.
    stored = obama.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = 6
    image = decode_image(encode(stored, "JPEG", quality=95, exif=exif), "sideways.jpg")
    assert image.pixels.shape == (1137, 910, 3)
    assert np.abs(image.pixels.astype(int) - np.asarray(obama, dtype=int)).mean() < 3
    assert len(boxes_only_engine.detect(image.pixels)) == 1


def test_greyscale_becomes_three_equal_channels(obama: Image.Image, boxes_only_engine: FaceEngine) -> None:
    image = decode_image(encode(obama.convert("L"), "PNG"), "grey.png")
    assert image.pixels.shape == (1137, 910, 3)
    assert np.array_equal(image.pixels[..., 0], image.pixels[..., 2])
    assert len(boxes_only_engine.detect(image.pixels)) == 1


def test_sixteen_bit_greyscale_keeps_its_full_range(obama: Image.Image) -> None:
    grey = np.asarray(obama.convert("L"), dtype=np.uint16) * 257  # 0..255 -> 0..65535
    image = decode_image(encode(Image.fromarray(grey), "PNG"), "deep.png")
    assert np.array_equal(image.pixels[..., 1], np.asarray(obama.convert("L")))


def test_transparency_is_composited_on_white() -> None:
    rgba = np.zeros((8, 8, 4), dtype=np.uint8)
    rgba[..., 0] = 200  # red where opaque, whatever colour the transparent pixels happen to hold
    rgba[:4, :, 3] = 255
    image = decode_image(encode(Image.fromarray(rgba, "RGBA"), "PNG"), "alpha.png")
    assert image.pixels[0, 0].tolist() == [200, 0, 0]
    assert image.pixels[7, 7].tolist() == [255, 255, 255]


def test_palette_image_decodes(obama: Image.Image) -> None:
    image = decode_image(encode(obama.convert("P"), "PNG"), "palette.png")
    assert image.pixels.shape == (1137, 910, 3)


# Bad input: each kind gets its own error, naming the input and the reason.


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ImageDecodeError, match=r"nothere\.jpg: no such file"):
        load_image(tmp_path / "nothere.jpg")


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(ImageDecodeError, match="is a directory"):
        load_image(tmp_path)


def test_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    with pytest.raises(ImageDecodeError, match=r"empty\.jpg: empty file"):
        load_image(empty)


def test_not_an_image(tmp_path: Path) -> None:
    text = tmp_path / "notes.jpg"
    text.write_text("This is a witness statement, not a photograph.\n" * 20)
    with pytest.raises(ImageDecodeError, match=r"notes\.jpg: not an image"):
        load_image(text)


def test_truncated_jpeg(obama: Image.Image, tmp_path: Path) -> None:
    data = encode(obama, "JPEG")
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageDecodeError, match=r"truncated\.jpg: corrupt or truncated"):
        load_image(truncated)


def test_corrupt_header(obama: Image.Image) -> None:
    data = bytearray(encode(obama, "PNG"))
    data[16:24] = b"\xff" * 8  # the IHDR width and height
    with pytest.raises(ImageDecodeError, match=r"broken\.png"):
        decode_image(bytes(data), "broken.png")


@pytest.mark.parametrize("fmt", ["GIF", "TIFF"])
def test_unsupported_format(obama: Image.Image, fmt: str) -> None:
    with pytest.raises(UnsupportedImageFormatError, match=rf"{fmt} images are not accepted"):
        decode_image(encode(obama, fmt), f"obama.{fmt.lower()}")


def test_too_many_bytes(obama: Image.Image, tmp_path: Path) -> None:
    path = tmp_path / "big.png"
    path.write_bytes(encode(obama, "PNG"))
    with pytest.raises(ImageTooLargeError, match=r"big\.png: .* bytes exceeds the limit of 1,000 bytes"):
        load_image(path, ImageLimits(max_bytes=1000))


def test_too_many_pixels(obama: Image.Image) -> None:
    with pytest.raises(ImageTooLargeError, match=r"910 x 1137 pixels exceeds the limit of 1,000,000 pixels"):
        decode_image(encode(obama, "JPEG"), "obama.jpg", ImageLimits(max_pixels=1_000_000))


@pytest.mark.parametrize("side", [10_000, 14_000])
def test_decompression_bomb_is_refused_before_decoding(side: int) -> None:
    # A small PNG that claims 100 or 196 megapixels (past Pillow's warning and error thresholds):
    # refused from its header, never allocated.
    bomb = encode(Image.new("1", (side, side)), "PNG")
    assert len(bomb) < 1_000_000
    with pytest.raises(ImageTooLargeError, match=r"bomb\.png"):
        decode_image(bomb, "bomb.png", ImageLimits(max_pixels=10**9))
