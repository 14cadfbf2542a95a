"""Reading images from files or bytes into the one pixel layout the engine works on.

Everything that enters the engine passes through :func:`load_image`, so every caller (command line,
server, video stills) gets the same format checks, size limits, EXIF orientation and colour handling, and
the same clear error when an input cannot be used.
"""

from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from watchkeeper.errors import ImageDecodeError, ImageTooLargeError, UnsupportedImageFormatError
from watchkeeper.types import BoundingBox, ImageSize, RGBImage

logger = logging.getLogger(__name__)

SUPPORTED_FORMATS: frozenset[str] = frozenset({"JPEG", "PNG", "WEBP", "BMP"})
"""Pillow's names of the formats Watchkeeper accepts: what cameras, custody systems and browsers produce."""

FACE_MARGIN = 0.6
"""Room around a face box, as a fraction of its size, when a face is shown to a person: the hair line, ears
and chin help them compare two faces."""

_TRANSPARENT_BACKGROUND = (255, 255, 255)
"""Transparent pixels are shown over white, as a viewer would show them, rather than as undefined colours."""


@dataclass(frozen=True, slots=True)
class ImageLimits:
    """Largest input accepted, so a hostile or mistaken upload cannot exhaust memory.

    The defaults admit any camera or scanner image in use (a 48-megapixel phone photo is 8000 x 6000) and
    stay below Pillow's own decompression-bomb threshold of about 89 megapixels.
    """

    max_bytes: int = 50 * 1024 * 1024
    max_pixels: int = 80_000_000


@dataclass(frozen=True, slots=True, eq=False)
class LoadedImage:
    """Decoded pixels, upright and in RGB, with the name of where they came from (for messages and records)."""

    pixels: RGBImage
    source: str
    format: str

    @property
    def size(self) -> ImageSize:
        height, width = self.pixels.shape[:2]
        return ImageSize(width=width, height=height)


def load_image(path: str | Path, limits: ImageLimits | None = None) -> LoadedImage:
    """Read and decode an image file.

    Raises :class:`~watchkeeper.errors.ImageDecodeError` (missing, empty, corrupt or not an image),
    :class:`~watchkeeper.errors.UnsupportedImageFormatError` or
    :class:`~watchkeeper.errors.ImageTooLargeError`, each naming the file and the reason.
    """
    limits = limits or ImageLimits()
    path = Path(path)
    source = str(path)
    try:
        file_size = path.stat().st_size
    except FileNotFoundError:
        raise ImageDecodeError(source, "no such file") from None
    except OSError as error:
        raise ImageDecodeError(source, f"cannot be read ({error.strerror or error})") from None
    if path.is_dir():
        raise ImageDecodeError(source, "is a directory, not an image file")
    _check_byte_size(source, file_size, limits)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ImageDecodeError(source, f"cannot be read ({error.strerror or error})") from None
    return decode_image(data, source, limits)


def decode_image(data: bytes, source: str, limits: ImageLimits | None = None) -> LoadedImage:
    """Decode image bytes (an upload, a request body); ``source`` names them in errors."""
    limits = limits or ImageLimits()
    _check_byte_size(source, len(data), limits)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        raise ImageDecodeError(source, "not an image (the format is not recognised)") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageTooLargeError(source, "image dimensions exceed the decoder's safety limit") from None
    except (OSError, ValueError, SyntaxError) as error:
        raise ImageDecodeError(source, f"not a readable image ({error})") from None

    if image.format not in SUPPORTED_FORMATS:
        accepted = ", ".join(sorted(SUPPORTED_FORMATS))
        raise UnsupportedImageFormatError(source, f"{image.format} images are not accepted (accepted: {accepted})")
    width, height = image.size
    if width * height > limits.max_pixels:
        raise ImageTooLargeError(source, f"{width} x {height} pixels exceeds the limit of {limits.max_pixels:,} pixels")
    if width < 1 or height < 1:
        raise ImageDecodeError(source, f"image has no pixels ({width} x {height})")
    try:
        image.load()
    except (OSError, ValueError, SyntaxError) as error:
        raise ImageDecodeError(source, f"corrupt or truncated image data ({error})") from None

    return LoadedImage(pixels=_to_rgb8(_upright(image, source)), source=source, format=str(image.format))


def _check_byte_size(source: str, size: int, limits: ImageLimits) -> None:
    if size == 0:
        raise ImageDecodeError(source, "empty file (0 bytes)")
    if size > limits.max_bytes:
        raise ImageTooLargeError(source, f"{size:,} bytes exceeds the limit of {limits.max_bytes:,} bytes")


def _upright(image: Image.Image, source: str) -> Image.Image:
    """Apply the EXIF orientation, because cameras store portrait photos sideways and flag them."""
    try:
        transposed = ImageOps.exif_transpose(image)
    except (OSError, ValueError, SyntaxError, KeyError, TypeError) as error:
        # A damaged EXIF block does not damage the pixels; keep them as stored and say so.
        logger.warning("%s: EXIF orientation unreadable (%s); using the image as stored", source, error)
        return image
    return transposed if transposed is not None else image


def _to_rgb8(image: Image.Image) -> RGBImage:
    """8-bit RGB pixels from any mode the accepted formats produce (grey, palette, alpha, 16-bit, CMYK)."""
    mode = image.mode
    if mode in {"I", "I;16", "I;16L", "I;16B", "I;16N"}:
        # 16-bit greyscale (PNG): map the full 0..65535 range onto 0..255 rather than clip at 255.
        wide = np.asarray(image, dtype=np.float64)
        grey = np.clip(np.rint(wide * (255.0 / 65535.0)), 0, 255).astype(np.uint8)
        return np.ascontiguousarray(np.repeat(grey[:, :, None], 3, axis=2))
    if mode == "F":
        grey = np.clip(np.rint(np.asarray(image, dtype=np.float64)), 0, 255).astype(np.uint8)
        return np.ascontiguousarray(np.repeat(grey[:, :, None], 3, axis=2))
    if mode in {"RGBA", "LA", "La", "RGBa", "PA"} or (mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (*_TRANSPARENT_BACKGROUND, 255))
        image = Image.alpha_composite(background, rgba)
    rgb = image.convert("RGB")
    return np.ascontiguousarray(np.asarray(rgb, dtype=np.uint8))


def encode_jpeg(image: RGBImage, quality: int = 90) -> bytes:
    """JPEG bytes of an RGB image: how face crops are kept with the records that justify keeping them."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def face_with_margin(image: RGBImage, box: BoundingBox, margin: float = FACE_MARGIN) -> RGBImage:
    """The face in ``box`` with ``margin`` of its size around it on every side, cut from ``image`` (as far
    as its edges allow): what a person needs to compare faces, and no more of the image."""
    height, width = image.shape[:2]
    around = box.expanded(margin).clipped(ImageSize(width, height))
    return np.ascontiguousarray(image[around.top : around.bottom, around.left : around.right])
