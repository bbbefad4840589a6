"""Suggestion photos: content checks, EXIF/GPS removal, orientation, sizes, stored names."""

import io
import random
import warnings
from pathlib import Path

import pytest
from PIL import ExifTags, Image, ImageCms
from PIL.PngImagePlugin import PngInfo

from crowdplan.errors import AppError
from crowdplan.suggestions.photos import (
    ALLOWED_FORMATS,
    MAX_PHOTO_BYTES,
    MAX_PIXELS,
    MAX_SIDE,
    THUMB_SIDE,
    photo_path,
    store_photo,
)

# Markers placed in the metadata of test images, searched for in the raw bytes afterwards.
MAKE = "CrowdplanTestMake"
MODEL = "CrowdplanTestModel"
DATUM = "CROWDPLAN-GPS-DATUM"
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>30,35.2N</exif:GPSLatitude></x:xmpmeta>'
)
MARKERS = (MAKE.encode(), MODEL.encode(), DATUM.encode(), b"GPSLatitude")


@pytest.fixture(autouse=True)
def _app_context():
    from config import TestingConfig
    from crowdplan import create_app

    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    with app.test_request_context():
        yield


def _encode(img: Image.Image, fmt: str, **params) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **params)
    return buf.getvalue()


def _exif(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = MAKE
    exif[ExifTags.Base.Model] = MODEL
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (30.0, 35.0, 12.5),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (114.0, 18.0, 0.0),
        ExifTags.GPS.GPSMapDatum: DATUM,
    }
    return exif


def _noise(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    """Incompressible pixels, so that cutting the file cuts image data."""
    rng = random.Random(0)
    return Image.frombytes(mode, size, rng.randbytes(size[0] * size[1] * len(mode)))


def _half_transparent(size=(64, 32)) -> Image.Image:
    img = Image.new("RGBA", size, (200, 30, 30, 255))
    img.paste((0, 0, 0, 0), (0, 0, size[0] // 2, size[1]))  # left half fully transparent
    return img


def _open(path: Path) -> tuple[str, str, tuple[int, int], dict, int]:
    with Image.open(path) as img:
        return img.format, img.mode, img.size, dict(img.info), len(img.getexif())


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# --- metadata -------------------------------------------------------------------------------


def _with_metadata(fmt: str) -> bytes:
    if fmt == "PNG":
        text = PngInfo()
        text.add_text("Comment", DATUM)
        text.add_itxt("XML:com.adobe.xmp", XMP.decode())
        return _encode(_half_transparent(), "PNG", exif=_exif(), pnginfo=text)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return _encode(
        Image.new("RGB", (64, 32), (30, 120, 200)), fmt, exif=_exif(), xmp=XMP, icc_profile=icc
    )


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP", "PNG"])
def test_gps_exif_and_other_metadata_are_removed(tmp_path, fmt):
    data = _with_metadata(fmt)
    # The upload really carries what must go, or this test would prove nothing.
    with Image.open(io.BytesIO(data)) as original:
        gps = original.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert gps[ExifTags.GPS.GPSLatitude] == (30.0, 35.0, 12.5)
    assert all(marker in data for marker in MARKERS)

    stored = store_photo(data, tmp_path)

    for name in (stored.name, stored.thumb_name):
        raw = (tmp_path / name).read_bytes()
        assert b"Exif" not in raw
        assert b"xmp" not in raw.lower()
        assert not [m for m in MARKERS if m in raw], name
        _fmt, _mode, _size, info, exif_len = _open(tmp_path / name)
        assert exif_len == 0
        assert not {"exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "Comment"} & info.keys()


def test_colours_survive_the_colour_profile_being_dropped(tmp_path):
    data = _with_metadata("JPEG")
    stored = store_photo(data, tmp_path)
    with Image.open(tmp_path / stored.name) as img:
        r, g, b = img.getpixel((32, 16))
    assert abs(r - 30) <= 4 and abs(g - 120) <= 4 and abs(b - 200) <= 4


def test_payload_appended_to_a_valid_image_is_refused(tmp_path):
    # A polyglot is refused outright (re-encoding would drop the payload, but it is no photo).
    payload = b"<script>alert(document.cookie)</script>"
    data = _encode(Image.new("RGB", (40, 40), "green"), "JPEG") + payload
    with pytest.raises(AppError) as info:
        store_photo(data, tmp_path)
    assert (info.value.status, info.value.code) == (415, "photo_polyglot")
    assert _files(tmp_path) == []


# --- orientation ----------------------------------------------------------------------------


def _red_left_blue_right() -> Image.Image:
    img = Image.new("RGB", (200, 100), (255, 0, 0))
    img.paste((0, 0, 255), (100, 0, 200, 100))
    return img


def test_exif_orientation_is_applied_before_exif_is_dropped(tmp_path):
    data = _encode(_red_left_blue_right(), "JPEG", exif=_exif(orientation=6))
    stored = store_photo(data, tmp_path)
    assert (stored.width, stored.height) == (100, 200)
    with Image.open(tmp_path / stored.name) as img:
        assert img.size == (100, 200)
        top, bottom = img.getpixel((50, 20)), img.getpixel((50, 180))
    # Orientation 6: the camera was turned clockwise, so the left edge is the top.
    assert top[0] > 200 and top[2] < 60
    assert bottom[2] > 200 and bottom[0] < 60
    assert _open(tmp_path / stored.thumb_name)[2] == (100, 200)


def test_photo_without_orientation_keeps_its_shape(tmp_path):
    stored = store_photo(_encode(_red_left_blue_right(), "JPEG", exif=_exif()), tmp_path)
    assert (stored.width, stored.height) == (200, 100)


# --- formats --------------------------------------------------------------------------------


def test_png_with_transparency_stays_png_with_alpha(tmp_path):
    stored = store_photo(_encode(_half_transparent(), "PNG"), tmp_path)
    assert stored.name.endswith(".png")
    assert stored.thumb_name == stored.name.removesuffix(".png") + "_t.jpg"
    with Image.open(tmp_path / stored.name) as img:
        assert (img.format, img.mode) == ("PNG", "RGBA")
        assert img.getpixel((5, 5))[3] == 0
        assert img.getpixel((60, 5)) == (200, 30, 30, 255)
    with Image.open(tmp_path / stored.thumb_name) as thumb:
        assert (thumb.format, thumb.mode) == ("JPEG", "RGB")
        assert min(thumb.getpixel((5, 5))) >= 245  # transparency flattened on white


def test_palette_png_with_transparent_colour_stays_png(tmp_path):
    img = _half_transparent().convert("P")
    img.info["transparency"] = img.getpixel((5, 5))
    data = _encode(img, "PNG", transparency=img.getpixel((5, 5)))
    stored = store_photo(data, tmp_path)
    fmt, mode, *_rest = _open(tmp_path / stored.name)
    assert (fmt, mode) == ("PNG", "RGBA")


@pytest.mark.parametrize(
    "make",
    [
        lambda: _encode(Image.new("RGB", (50, 40), "blue"), "PNG"),
        lambda: _encode(Image.new("RGBA", (50, 40), (0, 0, 255, 255)), "PNG"),  # alpha, all opaque
        lambda: _encode(Image.new("L", (50, 40), 128), "PNG"),
        lambda: _encode(Image.new("RGB", (50, 40), "blue"), "WEBP"),
        lambda: _encode(Image.new("CMYK", (50, 40), (0, 0, 0, 0)), "JPEG"),
    ],
    ids=["png-rgb", "png-opaque-alpha", "png-grey", "webp", "jpeg-cmyk"],
)
def test_opaque_images_become_jpeg(tmp_path, make):
    stored = store_photo(make(), tmp_path)
    assert stored.name.endswith(".jpg")
    fmt, mode, size, *_rest = _open(tmp_path / stored.name)
    assert (fmt, mode, size) == ("JPEG", "RGB", (50, 40))
    assert _files(tmp_path) == sorted([stored.name, stored.thumb_name])


def test_webp_with_transparency_becomes_png(tmp_path):
    stored = store_photo(_encode(_half_transparent(), "WEBP", lossless=True), tmp_path)
    with Image.open(tmp_path / stored.name) as img:
        assert (img.format, img.mode) == ("PNG", "RGBA")
        assert img.getpixel((5, 5))[3] == 0


def test_camera_mpo_is_read_as_its_first_jpeg(tmp_path):
    first, second = Image.new("RGB", (60, 40), "red"), Image.new("RGB", (60, 40), "blue")
    data = _encode(first, "MPO", save_all=True, append_images=[second])
    stored = store_photo(data, tmp_path)
    with Image.open(tmp_path / stored.name) as img:
        assert (img.format, getattr(img, "n_frames", 1)) == ("JPEG", 1)
        assert img.getpixel((30, 20))[0] > 200


def test_sixteen_bit_grey_png_is_scaled_not_clipped(tmp_path):
    data = _encode(Image.new("I;16", (40, 40), 32768), "PNG")
    stored = store_photo(data, tmp_path)
    with Image.open(tmp_path / stored.name) as img:
        assert 120 <= img.getpixel((20, 20))[0] <= 136


# --- refusals -------------------------------------------------------------------------------


def _truncated(fmt: str) -> bytes:
    data = _encode(_noise((256, 256)), fmt)
    return data[: len(data) * 2 // 3]


REFUSED_TYPES = {
    "gif": lambda: _encode(Image.new("RGB", (20, 20), "red"), "GIF"),
    "bmp": lambda: _encode(Image.new("RGB", (20, 20), "red"), "BMP"),
    "tiff": lambda: _encode(Image.new("RGB", (20, 20), "red"), "TIFF"),
    "pdf-named-jpg": lambda: b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n",
    "postscript": lambda: b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n",
    "svg": lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "html-then-jpeg": lambda: (
        b"<script>alert(1)</script>" + _encode(Image.new("RGB", (20, 20)), "JPEG")
    ),
    "random-bytes": lambda: random.Random(1).randbytes(4096),
    "empty": lambda: b"",
    "truncated-jpeg": lambda: _truncated("JPEG"),
    "truncated-png": lambda: _truncated("PNG"),
    "jpeg-header-only": lambda: _encode(Image.new("RGB", (20, 20)), "JPEG")[:200],
}


@pytest.mark.parametrize("make", REFUSED_TYPES.values(), ids=REFUSED_TYPES.keys())
def test_anything_but_a_whole_jpeg_png_or_webp_is_refused(tmp_path, make):
    with pytest.raises(AppError) as info:
        store_photo(make(), tmp_path)
    assert (info.value.status, info.value.code) == (415, "photo_type")
    assert info.value.message
    assert _files(tmp_path) == []


def test_a_truncated_photo_is_still_refused_once_the_pdf_renderer_is_loaded(tmp_path):
    # WeasyPrint switches on Pillow's global LOAD_TRUNCATED_IMAGES when imported.
    import crowdplan.stats.pdf  # noqa: F401

    with pytest.raises(AppError):
        store_photo(_truncated("JPEG"), tmp_path)


def test_the_refused_formats_are_real_images_pillow_could_read():
    # Guards the test above: GIF, BMP and TIFF are refused by policy, not because they are broken.
    for key in ("gif", "bmp", "tiff"):
        with Image.open(io.BytesIO(REFUSED_TYPES[key]())) as img:
            assert img.format not in ALLOWED_FORMATS
            img.load()


def test_oversize_upload_is_refused_before_decoding(tmp_path):
    data = _encode(Image.new("RGB", (8, 8)), "JPEG")
    data += b"\0" * (MAX_PHOTO_BYTES + 1 - len(data))
    with pytest.raises(AppError) as info:
        store_photo(data, tmp_path)
    assert (info.value.status, info.value.code) == (413, "photo_too_large")
    assert _files(tmp_path) == []


def test_decompression_bomb_is_refused(tmp_path):
    assert Image.MAX_IMAGE_PIXELS == MAX_PIXELS
    data = _encode(Image.new("1", (10_000, 10_000), 0), "PNG")
    assert len(data) < MAX_PHOTO_BYTES  # small on the wire: only the pixel count gives it away
    with pytest.raises(AppError) as info:
        store_photo(data, tmp_path)
    assert (info.value.status, info.value.code) == (413, "photo_pixels")
    assert _files(tmp_path) == []


def test_too_many_pixels_is_refused_where_pillow_only_warns(tmp_path):
    # 42 Mpx: above MAX_PIXELS but below the 2x where Pillow raises by itself. In production the
    # DecompressionBombWarning is only a warning, so store_photo must refuse on its own.
    data = _encode(Image.new("1", (7_000, 6_000), 1), "PNG")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with pytest.raises(AppError) as info:
            store_photo(data, tmp_path)
    assert (info.value.status, info.value.code) == (413, "photo_pixels")


# --- sizes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "fmt", "expected"),
    [
        ((4200, 2800), "JPEG", (MAX_SIDE, 1365)),  # big enough for JPEG draft decoding
        ((3000, 1000), "JPEG", (MAX_SIDE, 683)),
        ((1000, 5000), "PNG", (410, MAX_SIDE)),
    ],
)
def test_large_photos_are_downscaled(tmp_path, size, fmt, expected):
    img = Image.linear_gradient("L").resize(size).convert("RGB")
    stored = store_photo(_encode(img, fmt), tmp_path)
    assert (stored.width, stored.height) == expected
    assert _open(tmp_path / stored.name)[2] == expected
    assert stored.size == (tmp_path / stored.name).stat().st_size
    thumb_size = _open(tmp_path / stored.thumb_name)[2]
    assert max(thumb_size) == THUMB_SIDE
    assert abs(thumb_size[0] / thumb_size[1] - expected[0] / expected[1]) < 0.02


def test_small_photos_are_not_enlarged(tmp_path):
    stored = store_photo(_encode(Image.new("RGB", (120, 90), "red"), "JPEG"), tmp_path)
    assert (stored.width, stored.height) == (120, 90)
    assert _open(tmp_path / stored.thumb_name)[2] == (120, 90)


def test_each_photo_gets_new_random_names(tmp_path):
    data = _encode(Image.new("RGB", (30, 30), "red"), "JPEG")
    first, second = store_photo(data, tmp_path / "a"), store_photo(data, tmp_path / "a")
    assert first.name != second.name
    assert len(_files(tmp_path / "a")) == 4


# --- photo_path -----------------------------------------------------------------------------


def test_photo_path_accepts_stored_names_only(tmp_path):
    stored = store_photo(_encode(Image.new("RGB", (30, 30)), "JPEG"), tmp_path)
    assert photo_path(tmp_path, stored.name) == tmp_path / stored.name
    assert photo_path(tmp_path, stored.thumb_name).is_file()
    token = stored.name.removesuffix(".jpg")
    for bad in (
        "../x.jpg",
        "abc.jpg",
        f"../{stored.name}",
        f"/etc/{stored.name}",
        f"{token}.jpg\n",  # "$" in a regex would let this through
        f"{token}.JPG",
        f"{token}.gif",
        f"{token.upper()}.jpg",
        f"{token}_t.jpg/..",
        "",
    ):
        with pytest.raises(ValueError):
            photo_path(tmp_path, bad)
