"""Customer images in the core (core/images.py): the resized copies are what Pillow's own
`thumbnail` makes of a copy of the picture, without copying it (pictures with an alpha
band are reduced a strip at a time); a picture too large once decoded is refused from its
header, before anything is decoded."""

from __future__ import annotations

import io
import os

import pytest
from PIL import Image, ImageChops

from customer_registry.core import images
from customer_registry.core.errors import FileTooLarge

LIMITS = {"max_bytes": 2 * 1024 * 1024, "max_pixels": 40_000_000}


def _noise(mode: str, size: tuple[int, int]) -> Image.Image:
    bands = len(Image.new(mode, (1, 1)).getbands())
    return Image.frombytes(mode, size, os.urandom(size[0] * size[1] * bands))


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "LA", "L", "P"])
@pytest.mark.parametrize("size", [(1000, 700), (700, 1000), (2600, 90), (301, 300), (200, 100)])
@pytest.mark.parametrize("side", [64, 256])
def test_copies_are_pillows_thumbnails(mode: str, size: tuple[int, int], side: int) -> None:
    image = _noise(mode, size)
    expected = image.copy()
    expected.thumbnail((side, side))
    reduced = images._reduced(image, side)
    assert reduced.size == expected.size
    assert reduced.mode == expected.mode
    assert (
        ImageChops.difference(reduced.convert("RGBA"), expected.convert("RGBA")).getbbox(
            alpha_only=False
        )
        is None
    )


def test_an_image_too_large_once_decoded_is_refused_from_its_header() -> None:
    """4200 x 4200 RGBA: 17.6 million pixels (under the pixel limit), 67 MiB decoded."""
    data = _png(Image.new("RGBA", (4200, 4200), (10, 20, 30, 255)))
    with pytest.raises(FileTooLarge, match="once decoded"):
        images.prepare(data, **LIMITS, max_decoded_bytes=64 * 1024 * 1024)


@pytest.mark.parametrize(
    ("mode", "per_pixel"),
    [("1", 1), ("L", 1), ("P", 1), ("LA", 4), ("RGB", 4), ("RGBA", 4), ("I;16", 2), ("I", 4)],
)
def test_the_decoded_size_is_what_pillow_allocates(mode: str, per_pixel: int) -> None:
    assert images.decoded_bytes(Image.new(mode, (30, 20))) == 30 * 20 * per_pixel
