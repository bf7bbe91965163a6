"""Customer images: what is accepted, judged by decoding the content (never by the file name
or the declared type), and the resized copies stored beside each image.

Decoding is CPU work: `prepare` is meant to run in a worker thread.
"""

from __future__ import annotations

import io
import math
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image, ImageMode, ImageOps, UnidentifiedImageError

from customer_registry.core.errors import FileTooLarge, UnsupportedFile

# Pillow's format name → the extension the stored files get.
FORMATS = {"JPEG": "jpg", "GIF": "gif", "PNG": "png", "BMP": "bmp"}
SIZES = {"small_": 64, "medium_": 256}  # longest side, in pixels, of each resized copy
TOO_LARGE = "image size should not exceed 2Mo"
UNSUPPORTED = "image format not supported."
_PREMULTIPLIED = {"RGBA": "RGBa", "LA": "La"}
_STRIP_BYTES = 1024 * 1024  # the part of a picture with alpha reduced at a time
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True)
class PreparedImage:
    """The image re-encoded (metadata dropped), and its copies keyed by file-name prefix."""

    extension: str
    original: bytes
    copies: dict[str, bytes]


def _encode(image: Image.Image, pillow_format: str) -> bytes:
    if pillow_format == "JPEG" and image.mode not in ("RGB", "L", "CMYK"):
        image = image.convert("RGB")
    elif pillow_format in ("PNG", "BMP") and image.mode not in ("1", "L", "P", "RGB", "RGBA"):
        image = image.convert("RGBA" if pillow_format == "PNG" else "RGB")
    out = io.BytesIO()
    image.save(out, format=pillow_format)
    return out.getvalue()


def decoded_bytes(image: Image.Image) -> int:
    """What decoding `image` allocates, from its header: pixels x bands x bytes per band,
    where Pillow keeps 2- and 3-band pictures in 4 bytes a pixel, as it does 4-band ones."""
    bands = len(image.getbands())
    per_band = int(ImageMode.getmode(image.mode).typestr[-1])
    per_pixel = 4 if 1 < bands < 4 and per_band == 1 else bands * per_band
    return image.width * image.height * per_pixel


def _refuse_if_too_large(image: Image.Image, max_pixels: int, max_decoded_bytes: int) -> None:
    if image.width * image.height > max_pixels:
        raise FileTooLarge(f"image dimensions should not exceed {max_pixels} pixels")
    if decoded_bytes(image) > max_decoded_bytes:
        raise FileTooLarge(f"image should not exceed {max_decoded_bytes} bytes once decoded")


def _open(data: bytes, max_pixels: int, max_decoded_bytes: int) -> tuple[Image.Image, str]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))
            pillow_format = str(image.format)
            # The size and mode come from the header: nothing is decoded yet.
            _refuse_if_too_large(image, max_pixels, max_decoded_bytes)
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise FileTooLarge(f"image dimensions should not exceed {max_pixels} pixels") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise UnsupportedFile(UNSUPPORTED) from None
    return image, pillow_format


def _reduced(image: Image.Image, side: int) -> Image.Image:
    """What `thumbnail((side, side))` makes of a copy of `image`, without copying the full
    picture first: it is shrunk by whole factors (`Image.reduce`, box averages) to about
    twice the size, and only that small picture is resampled (`reducing_gap=2`).

    JPEG's draft mode (decoding at 1/2 to 1/8 scale) cannot help here: the original is
    re-encoded at full size, so it is decoded whole anyway."""
    size = _thumbnail_size(image.size, side)
    if size is None:
        return image
    if image.mode in ("1", "P"):  # as Pillow does: the nearest pixel, nothing to reduce
        return image.resize(size, Image.Resampling.NEAREST)
    width, height = image.size
    factor = (max(1, int(width / size[0] / 2)), max(1, int(height / size[1] / 2)))
    box = (0.0, 0.0, width / factor[0], height / factor[1])
    small = _box_reduced(image, factor).resize(size, Image.Resampling.BICUBIC, box)
    return small.convert(image.mode) if small.mode != image.mode else small


def _thumbnail_size(size: tuple[int, int], side: int) -> tuple[int, int] | None:
    """Pillow's `thumbnail` size within side x side (the same rounding), or None when the
    picture already fits."""
    width, height = size
    if width <= side and height <= side:
        return None
    aspect = width / height
    if aspect <= 1:
        return max(1, _closest(side * aspect, lambda n: abs(aspect - n / side))), side
    return side, max(1, _closest(side / aspect, lambda n: abs(aspect - side / n) if n else 0))


def _closest(number: float, error: Callable[[int], float]) -> int:
    return min(math.floor(number), math.ceil(number), key=error)


def _box_reduced(image: Image.Image, factor: tuple[int, int]) -> Image.Image:
    """`image.reduce(factor)`; with an alpha band, in premultiplied alpha (as Pillow resizes
    it), converted a strip at a time: Pillow would convert a copy of the whole picture."""
    premultiplied = _PREMULTIPLIED.get(image.mode)
    if premultiplied is None:
        return image.reduce(factor)
    width, height = image.size
    rows = factor[1] * max(1, _STRIP_BYTES // (width * 4 * factor[1]))
    reduced = Image.new(premultiplied, (-(-width // factor[0]), -(-height // factor[1])))
    for top in range(0, height, rows):
        strip = image.crop((0, top, width, min(top + rows, height))).convert(premultiplied)
        reduced.paste(strip.reduce(factor), (0, top // factor[1]))
    return reduced


def prepare(data: bytes, max_bytes: int, max_pixels: int, max_decoded_bytes: int) -> PreparedImage:
    """The image and its resized copies, or FileTooLarge / UnsupportedFile.

    One full-size picture is held (the decoded one), and briefly a second only when it must
    be turned upright, or converted for a format that cannot store its mode (a 16-bit PNG
    saved as RGBA): an image takes at most `max_decoded_bytes`, twice at worst."""
    if len(data) > max_bytes:
        raise FileTooLarge(TOO_LARGE)
    image, pillow_format = _open(data, max_pixels, max_decoded_bytes)
    try:
        ImageOps.exif_transpose(image, in_place=True)
        copies = {
            prefix: _encode(_reduced(image, side), pillow_format) for prefix, side in SIZES.items()
        }
        original = _encode(image, pillow_format)
    except (OSError, ValueError) as error:  # decodable but not re-encodable: refuse it
        raise UnsupportedFile(UNSUPPORTED) from error
    finally:
        image.close()
    return PreparedImage(FORMATS[pillow_format], original, copies)


def safe_name(filename: str | None, extension: str) -> str:
    """A file name safe on disk and in a URL, ending with the image's real extension."""
    stem = (filename or "image").rsplit("/", 1)[-1].rsplit("\\", 1)[-1].rsplit(".", 1)[0]
    stem = _SAFE_NAME.sub("_", stem).strip("._")[:80] or "image"
    return f"{stem}.{extension}"
