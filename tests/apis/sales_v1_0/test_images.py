"""Customer images through the sales API: `imageFile` on `POST|PUT /api/v1.0/customers`.

* jpg, gif, png and bmp files are accepted (201); `logo` is an absolute URL under `/media/`
  that serves the stored image in the same format, with the resized copies `small_<name>`
  and `medium_<name>` beside it (longest side at most 64 and 256 pixels), as seed 002 shows.
* The content decides, never the file name or the declared type: a PNG sent as `photo.jpg`
  (`image/jpeg`) is stored as `.png`; a text file named `.png`, a WebP, a TIFF, a truncated
  PNG, or an `imageFile` sent as a plain field (form, multipart or JSON) is 400
  `unsupported_file_type` "image format not supported." (never a 500).
* At most 2 MiB (2,097,152 bytes): one byte more is 400 `exceeded_file_size` "image size should
  not exceed 2Mo"; exactly the limit, or just under it, is accepted.
* A decompression bomb (a small file whose header declares a huge picture) is refused with 400
  `exceeded_file_size`, quickly and without being decoded; so is a picture whose decoded size
  (pixels x bytes a pixel) is over 64 MiB.
* No partial write: a create or update that fails with a valid image stores neither the
  customer (or the change) nor any file; a PUT with a new image removes the old files once
  committed; deleting the customer removes its files.
"""

from __future__ import annotations

import io
import os
import struct
import time
import zlib
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from customer_registry.settings import Settings

Headers = dict[str, str]
Json = dict[str, Any]
Upload = tuple[str | None, bytes, str] | tuple[None, bytes]

CUSTOMERS = "/api/v1.0/customers"
LIMIT = 2 * 1024 * 1024
SIZE = (300, 200)  # the test pictures: larger than both resized copies
COPIES = {"small_": 64, "medium_": 256}
UNSUPPORTED = {"error": "unsupported_file_type", "error_description": "image format not supported."}
TOO_LARGE = {"error": "exceeded_file_size", "error_description": "image size should not exceed 2Mo"}

# extension → (Pillow's format name, the declared content type)
FORMATS = {
    "jpg": ("JPEG", "image/jpeg"),
    "gif": ("GIF", "image/gif"),
    "png": ("PNG", "image/png"),
    "bmp": ("BMP", "image/bmp"),
}


# --- pictures -----------------------------------------------------------------------------------


def _encode(image: Image.Image, pillow_format: str, **options: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, format=pillow_format, **options)
    return out.getvalue()


def _noise(width: int, height: int) -> Image.Image:
    """Random pixels: no format compresses them much, so resized copies are smaller."""
    return Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))


def _picture(pillow_format: str, size: tuple[int, int] = SIZE) -> bytes:
    image = _noise(*size)
    if pillow_format == "GIF":
        return _encode(image.convert("P"), "GIF")
    return _encode(image, pillow_format)


def _padded_png(total: int) -> bytes:
    """A valid PNG followed by zero bytes up to `total` bytes (Pillow still reads it)."""
    png = _picture("PNG", (40, 30))
    return png + b"\0" * (total - len(png))


def _bmp(side: int) -> bytes:
    """An uncompressed 24-bit BMP: 54 bytes of headers and `side * side * 3` of pixels."""
    return _encode(_noise(side, side), "BMP")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header declares `width` x `height` RGB pixels but which carries only a
    few rows: opening it reads the size; decoding it would allocate width * height * 3 bytes."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\0" * (1 + width * 3) * 4)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", rows)
        + _chunk(b"IEND", b"")
    )


@cache
def _bomb() -> bytes:
    """A complete, valid 1-bit PNG of 20000 x 20000 pixels (400 million): small on disk."""
    return _encode(Image.new("1", (20_000, 20_000)), "PNG")


# --- helpers ------------------------------------------------------------------------------------


async def _create(
    client: httpx.AsyncClient,
    headers: Headers,
    reference: str,
    upload: Upload | None = None,
    **fields: str,
) -> httpx.Response:
    """A multipart create (a form create when there is no upload)."""
    data = {"reference": reference, "name": f"Customer {reference}", **fields}
    files = None if upload is None else {"imageFile": upload}
    return await client.post(CUSTOMERS, data=data, files=files, headers=headers)


async def _created(
    client: httpx.AsyncClient, headers: Headers, reference: str, upload: Upload | None = None
) -> Json:
    r = await _create(client, headers, reference, upload)
    assert r.status_code == 201, r.text
    body: Json = r.json()
    return body


def _path(url: str) -> str:
    """The path the in-process client asks for: `logo` is absolute, on this service."""
    parsed = httpx.URL(url)
    assert parsed.scheme == "http", url
    assert parsed.host == "testserver", url
    assert parsed.path.startswith("/media/"), url
    return parsed.path


def _copy(url: str, prefix: str) -> str:
    """The URL of a resized copy: the prefix goes before the file name (seed 002)."""
    head, name = url.rsplit("/", 1)
    return f"{head}/{prefix}{name}"


def _urls(logo: str) -> list[str]:
    return [logo, *(_copy(logo, prefix) for prefix in COPIES)]


async def _fetch(client: httpx.AsyncClient, url: str) -> Image.Image:
    r = await client.get(_path(url))
    assert r.status_code == 200, (url, r.status_code)
    image = Image.open(io.BytesIO(r.content))
    image.load()
    return image


def _files(settings: Settings) -> set[Path]:
    """Every file under the media directory (shared by the whole run: compare snapshots)."""
    root = Path(settings.media_dir)
    if not root.exists():
        return set()
    return {path.relative_to(root) for path in root.rglob("*") if path.is_file()}


def _on_disk(settings: Settings, url: str) -> Path:
    return Path(settings.media_dir) / _path(url).removeprefix("/media/")


async def _references(client: httpx.AsyncClient, headers: Headers, reference: str) -> list[Json]:
    r = await client.get(CUSTOMERS, params={"reference": reference}, headers=headers)
    assert r.status_code == 200, r.text
    data: list[Json] = r.json()["data"]
    return data


# --- accepted formats ---------------------------------------------------------------------------


@pytest.mark.parametrize("extension", list(FORMATS))
async def test_each_supported_format_is_stored_served_and_resized(
    client: httpx.AsyncClient, admin: Headers, settings: Settings, extension: str
) -> None:
    pillow_format, content_type = FORMATS[extension]
    sent = _picture(pillow_format)
    body = await _created(
        client, admin, f"IMG-{extension}", (f"logo.{extension}", sent, content_type)
    )
    logo = body["logo"]
    assert isinstance(logo, str)
    assert logo.startswith("http://testserver/media/"), logo
    assert logo.endswith(f"logo.{extension}"), logo

    original = await _fetch(client, logo)
    assert original.format == pillow_format
    assert original.size == SIZE
    stored = _on_disk(settings, logo)
    assert stored.is_file()
    for prefix, side in COPIES.items():
        copy_url = _copy(logo, prefix)
        copy = await _fetch(client, copy_url)
        assert copy.format == pillow_format, prefix
        assert max(copy.size) <= side, (prefix, copy.size)
        assert copy.size[0] < SIZE[0], (prefix, copy.size)
        assert copy.size[1] < SIZE[1], (prefix, copy.size)
        assert _on_disk(settings, copy_url).stat().st_size < stored.stat().st_size, prefix

    r = await client.get(f"{CUSTOMERS}/{body['id']}", headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["logo"] == logo


async def test_a_customer_without_image_has_no_logo(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    body = await _created(client, admin, "NO-IMG")
    assert body["logo"] is None


# --- the content decides ------------------------------------------------------------------------


async def test_a_png_named_jpg_is_stored_as_png(client: httpx.AsyncClient, admin: Headers) -> None:
    body = await _created(client, admin, "PNG-AS-JPG", ("photo.jpg", _picture("PNG"), "image/jpeg"))
    logo = body["logo"]
    assert logo.endswith("photo.png"), logo
    assert (await _fetch(client, logo)).format == "PNG"
    for prefix in COPIES:
        assert (await _fetch(client, _copy(logo, prefix))).format == "PNG"


def _truncated_png() -> bytes:
    whole = _picture("PNG", (100, 100))
    return whole[: len(whole) // 2]


@pytest.mark.parametrize(
    ("case", "upload"),
    [
        ("text named .png", ("notes.png", b"just some words, not a picture\n" * 20, "image/png")),
        ("webp", ("logo.webp", _encode(_noise(60, 40), "WEBP"), "image/webp")),
        ("webp named .png", ("logo.png", _encode(_noise(60, 40), "WEBP"), "image/png")),
        ("tiff", ("logo.tiff", _encode(_noise(60, 40), "TIFF"), "image/tiff")),
        ("tiff named .bmp", ("logo.bmp", _encode(_noise(60, 40), "TIFF"), "image/bmp")),
        ("truncated png", ("cut.png", _truncated_png(), "image/png")),
        ("png header only", ("head.png", _picture("PNG", (50, 50))[:33], "image/png")),
        ("empty file", ("empty.png", b"", "image/png")),
    ],
)
async def test_content_that_is_not_a_supported_image_is_refused(
    client: httpx.AsyncClient, admin: Headers, settings: Settings, case: str, upload: Upload
) -> None:
    before = _files(settings)
    r = await _create(client, admin, "BAD-IMG", upload)
    assert r.status_code == 400, (case, r.status_code, r.text)
    assert r.json() == UNSUPPORTED, case
    assert await _references(client, admin, "BAD-IMG") == []
    assert _files(settings) == before


@pytest.mark.parametrize("how", ["multipart", "form", "json"])
async def test_an_image_file_sent_as_a_plain_field_is_refused(
    client: httpx.AsyncClient, admin: Headers, how: str
) -> None:
    fields = {"reference": "PLAIN", "name": "Plain field"}
    text = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    if how == "multipart":
        parts: dict[str, Any] = {k: (None, v.encode()) for k, v in fields.items()}
        parts["imageFile"] = (None, text.encode())
        r = await client.post(CUSTOMERS, files=parts, headers=admin)
    elif how == "form":
        r = await client.post(CUSTOMERS, data={**fields, "imageFile": text}, headers=admin)
    else:
        r = await client.post(CUSTOMERS, json={**fields, "imageFile": text}, headers=admin)
    assert r.status_code == 400, r.text
    assert r.json() == UNSUPPORTED
    assert await _references(client, admin, "PLAIN") == []


# --- size ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "upload"),
    [
        ("bmp of 2.1 MB", ("big.bmp", _bmp(837), "image/bmp")),
        ("png padded to 2.1 MB", ("big.png", _padded_png(2_100_000), "image/png")),
        ("one byte over", ("over.png", _padded_png(LIMIT + 1), "image/png")),
        ("text of 3 MB", ("big.png", b"x" * 3_000_000, "image/png")),
    ],
)
async def test_a_file_over_2_mib_is_refused(
    client: httpx.AsyncClient, admin: Headers, settings: Settings, case: str, upload: Upload
) -> None:
    assert len(upload[1]) > LIMIT, case
    before = _files(settings)
    r = await _create(client, admin, "TOO-BIG", upload)
    assert r.status_code == 400, (case, r.status_code, r.text)
    assert r.json() == TOO_LARGE, case
    assert await _references(client, admin, "TOO-BIG") == []
    assert _files(settings) == before


@pytest.mark.parametrize(
    ("case", "upload", "pillow_format"),
    [
        ("bmp just under", ("large.bmp", _bmp(836), "image/bmp"), "BMP"),
        ("png of exactly 2 MiB", ("large.png", _padded_png(LIMIT), "image/png"), "PNG"),
    ],
)
async def test_a_file_up_to_2_mib_is_accepted(
    client: httpx.AsyncClient, admin: Headers, case: str, upload: Upload, pillow_format: str
) -> None:
    assert len(upload[1]) <= LIMIT, case
    body = await _created(client, admin, "LARGE", upload)
    image = await _fetch(client, body["logo"])
    assert image.format == pillow_format
    assert image.size == Image.open(io.BytesIO(upload[1])).size


# --- decompression bombs ------------------------------------------------------------------------


async def test_a_decompression_bomb_is_refused_quickly(
    client: httpx.AsyncClient, admin: Headers, settings: Settings
) -> None:
    bomb = _bomb()
    assert len(bomb) < LIMIT
    before = _files(settings)
    started = time.monotonic()
    r = await _create(client, admin, "BOMB", ("bomb.png", bomb, "image/png"))
    elapsed = time.monotonic() - started
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "exceeded_file_size", r.text
    assert elapsed < 2, elapsed
    assert await _references(client, admin, "BOMB") == []
    assert _files(settings) == before


@pytest.mark.parametrize("size", [(100_000, 100_000), (7_000, 7_000)])
async def test_a_huge_declared_size_is_refused_from_the_header(
    client: httpx.AsyncClient, admin: Headers, size: tuple[int, int]
) -> None:
    """30 GB (above Pillow's own limit) and 147 MB (49 million pixels, under Pillow's limit
    but above the service's): decoding either would have to allocate it first."""
    data = _png_header_only(*size)
    assert len(data) < 100_000
    r = await _create(client, admin, "HUGE", ("huge.png", data, "image/png"))
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "exceeded_file_size", r.text
    assert await _references(client, admin, "HUGE") == []


async def test_a_picture_too_large_once_decoded_is_refused_before_decoding(
    client: httpx.AsyncClient, admin: Headers, settings: Settings
) -> None:
    """4200 x 4200 RGBA: 17.6 million pixels (under the pixel limit) but 67 MiB decoded, over
    CUSTOMER_REGISTRY_MAX_IMAGE_DECODED_BYTES (64 MiB); a solid colour, so 70 KB sent."""
    out = io.BytesIO()
    Image.new("RGBA", (4200, 4200), (10, 20, 30, 255)).save(out, format="PNG")
    assert len(out.getvalue()) < LIMIT
    before = _files(settings)
    r = await _create(client, admin, "DEEP", ("deep.png", out.getvalue(), "image/png"))
    assert r.status_code == 400, r.text
    assert r.json() == {
        "error": "exceeded_file_size",
        "error_description": "image should not exceed 67108864 bytes once decoded",
    }
    assert await _references(client, admin, "DEEP") == []
    assert _files(settings) == before


# --- no partial write ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "status", "error"),
    [
        ("paymentTypes", '[{"id"=999}]', 404, "not_found"),
        ("categoryId", "999999", 404, "not_found"),
        ("currency", "GmBP", 404, "not_found"),
        ("creditLimit", "lots", 400, "invalid_param_type"),
    ],
)
async def test_a_failing_create_with_an_image_leaves_no_customer_and_no_file(
    client: httpx.AsyncClient,
    admin: Headers,
    settings: Settings,
    field: str,
    value: str,
    status: int,
    error: str,
) -> None:
    before = _files(settings)
    upload = ("logo.png", _picture("PNG"), "image/png")
    r = await _create(client, admin, "FAILS", upload, **{field: value})
    assert r.status_code == status, r.text
    assert r.json()["error"] == error
    assert await _references(client, admin, "FAILS") == []
    assert _files(settings) == before


async def test_a_duplicate_reference_with_an_image_leaves_no_file(
    client: httpx.AsyncClient, admin: Headers, settings: Settings
) -> None:
    first = await _created(client, admin, "DUP")
    before = _files(settings)
    r = await _create(client, admin, "DUP", ("logo.png", _picture("PNG"), "image/png"))
    assert r.status_code == 400, r.text
    assert r.json() == {"error": "not_unique", "error_description": "reference already used"}
    found = await _references(client, admin, "DUP")
    assert [c["id"] for c in found] == [first["id"]]
    assert found[0]["logo"] is None
    assert _files(settings) == before


async def test_a_put_with_a_new_image_replaces_the_old_files(
    client: httpx.AsyncClient, admin: Headers, settings: Settings
) -> None:
    body = await _created(client, admin, "SWAP", ("first.png", _picture("PNG"), "image/png"))
    old = body["logo"]
    old_files = {_on_disk(settings, url) for url in _urls(old)}
    assert all(path.is_file() for path in old_files)

    r = await client.put(
        f"{CUSTOMERS}/{body['id']}",
        files={"imageFile": ("second.gif", _picture("GIF"), "image/gif")},
        headers=admin,
    )
    assert r.status_code == 200, r.text
    new = r.json()["logo"]
    assert new != old
    assert new.endswith("second.gif"), new
    for url in _urls(new):
        assert (await _fetch(client, url)).format == "GIF"
    for url in _urls(old):
        assert (await client.get(_path(url))).status_code == 404, url
    assert not any(path.exists() for path in old_files)
    r = await client.get(f"{CUSTOMERS}/{body['id']}", headers=admin)
    assert r.json()["logo"] == new


async def test_a_put_without_an_image_keeps_the_image(
    client: httpx.AsyncClient, admin: Headers, settings: Settings
) -> None:
    body = await _created(client, admin, "KEEP", ("keep.jpg", _picture("JPEG"), "image/jpeg"))
    before = _files(settings)
    r = await client.put(f"{CUSTOMERS}/{body['id']}", data={"name": "Renamed"}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["logo"] == body["logo"]
    assert r.json()["name"] == "Renamed"
    assert _files(settings) == before
    for url in _urls(body["logo"]):
        assert (await client.get(_path(url))).status_code == 200


_NEXT_PNG = ("next.png", _picture("PNG"), "image/png")


@pytest.mark.parametrize(
    ("upload", "fields", "status", "error"),
    [
        pytest.param(
            _NEXT_PNG, {"paymentTypes": '[{"id"=999}]'}, 404, "not_found", id="payment type"
        ),
        pytest.param(_NEXT_PNG, {"regionId": "999999"}, 404, "not_found", id="region"),
        pytest.param(
            ("next.txt", b"not an image", "image/png"),
            {"name": "Changed"},
            400,
            "unsupported_file_type",
            id="not an image",
        ),
        pytest.param(
            ("next.bmp", _bmp(837), "image/bmp"),
            {"name": "Changed"},
            400,
            "exceeded_file_size",
            id="too large",
        ),
    ],
)
async def test_a_failing_put_keeps_the_old_image_and_stores_no_new_file(
    client: httpx.AsyncClient,
    admin: Headers,
    settings: Settings,
    upload: Upload,
    fields: dict[str, str],
    status: int,
    error: str,
) -> None:
    body = await _created(client, admin, "STAY", ("stay.png", _picture("PNG"), "image/png"))
    before = _files(settings)
    r = await client.put(
        f"{CUSTOMERS}/{body['id']}", data=fields, files={"imageFile": upload}, headers=admin
    )
    assert r.status_code == status, r.text
    assert r.json()["error"] == error
    assert _files(settings) == before
    r = await client.get(f"{CUSTOMERS}/{body['id']}", headers=admin)
    assert r.json()["logo"] == body["logo"]
    assert r.json()["name"] == body["name"]
    for url in _urls(body["logo"]):
        assert (await client.get(_path(url))).status_code == 200


async def test_deleting_the_customer_removes_its_files(
    client: httpx.AsyncClient, admin: Headers, settings: Settings
) -> None:
    body = await _created(client, admin, "GONE", ("gone.bmp", _picture("BMP"), "image/bmp"))
    paths = [_on_disk(settings, url) for url in _urls(body["logo"])]
    assert all(path.is_file() for path in paths)
    r = await client.delete(f"{CUSTOMERS}/{body['id']}", headers=admin)
    assert r.status_code == 204, r.text
    assert not any(path.exists() for path in paths)
    for url in _urls(body["logo"]):
        assert (await client.get(_path(url))).status_code == 404


async def test_a_refused_delete_keeps_the_files(
    client: httpx.AsyncClient, admin: Headers, settings: Settings
) -> None:
    """A parent still named by a sub-customer cannot be deleted: its image stays."""
    parent = await _created(client, admin, "PARENT", ("p.png", _picture("PNG"), "image/png"))
    r = await _create(
        client, admin, "CHILD", isSubCustomer="true", parentCustomerId=str(parent["id"])
    )
    assert r.status_code == 201, r.text
    r = await client.delete(f"{CUSTOMERS}/{parent['id']}", headers=admin)
    assert r.status_code == 400, r.text
    for url in _urls(parent["logo"]):
        assert _on_disk(settings, url).is_file()
        assert (await client.get(_path(url))).status_code == 200
