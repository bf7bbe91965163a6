"""Customer images: what is accepted, judged by decoding the content (never by the file name
or the declared type), and the resized copies stored beside each image.

Decoding is CPU work: `prepare` is meant to run in a worker thread.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from customer_registry.core.errors import FileTooLarge, UnsupportedFile

# Pillow's format name → the extension the stored files get.
FORMATS = {"JPEG": "jpg", "GIF": "gif", "PNG": "png", "BMP": "bmp"}
SIZES = {"small_": 64, "medium_": 256}  # longest side, in pixels, of each resized copy
TOO_LARGE = "image size should not exceed 2Mo"
UNSUPPORTED = "image format not supported."
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


def _open(data: bytes, max_pixels: int) -> tuple[Image.Image, str]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))
            pillow_format = str(image.format)
            width, height = image.size  # read from the header: nothing decoded yet
            if width * height > max_pixels:
                raise FileTooLarge(f"image dimensions should not exceed {max_pixels} pixels")
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise FileTooLarge(f"image dimensions should not exceed {max_pixels} pixels") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise UnsupportedFile(UNSUPPORTED) from None
    return image, pillow_format


def prepare(data: bytes, max_bytes: int, max_pixels: int) -> PreparedImage:
    """The image and its resized copies, or FileTooLarge / UnsupportedFile."""
    if len(data) > max_bytes:
        raise FileTooLarge(TOO_LARGE)
    image, pillow_format = _open(data, max_pixels)
    try:
        image = ImageOps.exif_transpose(image) or image
        copies = {}
        for prefix, side in SIZES.items():
            copy = image.copy()
            copy.thumbnail((side, side))
            copies[prefix] = _encode(copy, pillow_format)
        original = _encode(image, pillow_format)
    except (OSError, ValueError) as error:  # decodable but not re-encodable: refuse it
        raise UnsupportedFile(UNSUPPORTED) from error
    return PreparedImage(FORMATS[pillow_format], original, copies)


def safe_name(filename: str | None, extension: str) -> str:
    """A file name safe on disk and in a URL, ending with the image's real extension."""
    stem = (filename or "image").rsplit("/", 1)[-1].rsplit("\\", 1)[-1].rsplit(".", 1)[0]
    stem = _SAFE_NAME.sub("_", stem).strip("._")[:80] or "image"
    return f"{stem}.{extension}"
