"""Suggestion photos: checked by content, turned upright, stripped of metadata, stored at random."""

from __future__ import annotations

import contextlib
import io
import re
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _
from PIL import Image, ImageCms, ImageOps

from crowdplan.errors import AppError
from crowdplan.transactions import on_rollback

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 2048  # longest side of the stored photo
THUMB_SIDE = 320  # longest side of the thumbnail shown in lists and map popups
MAX_PHOTOS = 4  # per suggestion
ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
JPEG_QUALITY = 85
THUMB_QUALITY = 80

# Pillow checks the pixel count from the header, before decoding anything: it warns above this
# limit and raises DecompressionBombError above twice it. _check_pixels refuses the band between,
# where production only gets a warning.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

# Cameras that store a second picture (stereo, depth) in a JPEG produce MPO: its first frame is a
# plain JPEG, so it is accepted as one.
_FORMAT_ALIASES = {"MPO": "JPEG"}
_STORED_NAME = re.compile(r"[0-9a-f]{32}(?:_t)?\.(?:jpg|png)")
# A file that is an image and something else at once (a polyglot) is refused, although
# re-encoding would drop the extra part: markup or script a browser would run if it ever sniffed
# the bytes, or a ZIP directory (GIFAR-style: an image that is also a JAR or an archive). The
# patterns are long enough not to occur by chance in compressed image data.
_ACTIVE_CONTENT = re.compile(
    rb"<(?:script|html|body|iframe|object|embed|!doctype|\?php)[\s/>]|javascript:"
    rb"|<svg[^>]{0,200}\bon[a-z]+\s*=",
    re.IGNORECASE,
)
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@dataclass(frozen=True)
class StoredPhoto:
    """A photo written to disk: its file, its thumbnail, and the stored image's size."""

    name: str
    thumb_name: str
    width: int
    height: int
    size: int


@dataclass(frozen=True)
class PreparedPhoto:
    """A checked, cleaned and re-encoded photo, not yet written anywhere."""

    ext: str
    photo_bytes: bytes
    thumb_bytes: bytes
    width: int
    height: int


def prepare_photo(data: bytes) -> PreparedPhoto:
    """Check an uploaded photo by content and re-encode it and its thumbnail (no I/O, no DB)."""
    if len(data) > MAX_PHOTO_BYTES:
        raise AppError(
            _("The photo is larger than %(mb)d MB.", mb=MAX_PHOTO_BYTES // 2**20),
            status=413,
            code="photo_too_large",
        )
    img = _decode(data)
    _refuse_polyglot(data)  # after decoding, so what is no image at all says so
    _turn_upright(img)
    img = _to_srgb(img)
    img = _normalise_mode(img)
    img.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    # A fresh image from the pixels alone: nothing of the upload's `info` (EXIF with GPS, XMP,
    # comments, text chunks, ICC) can reach the encoder.
    img = Image.frombytes(img.mode, img.size, img.tobytes())

    if img.mode == "RGBA":
        ext, photo_bytes = "png", _encode_png(img)
    else:
        ext, photo_bytes = "jpg", _encode_jpeg(img, JPEG_QUALITY)
    thumb_bytes = _encode_jpeg(_thumbnail(img), THUMB_QUALITY)
    return PreparedPhoto(ext, photo_bytes, thumb_bytes, img.width, img.height)


def save_photos(photos: list[PreparedPhoto], folder: Path) -> list[StoredPhoto]:
    """Write prepared photos as part of the current database transaction.

    Written before the commit, so a committed row never points to a missing file; removed
    again if the transaction rolls back, so a refused request leaves nothing behind. (Writing
    after the commit instead could fail, disk full, and leave a committed row without its file.)
    """
    stored = []
    for photo in photos:
        written = write_photo(photo, folder)
        paths = (folder / written.name, folder / written.thumb_name)
        on_rollback(lambda paths=paths: _remove(paths))
        stored.append(written)
    return stored


def write_photo(photo: PreparedPhoto, folder: Path) -> StoredPhoto:
    """Write a prepared photo and its thumbnail under fresh random names."""
    folder.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(16)
    name, thumb_name = f"{token}.{photo.ext}", f"{token}_t.jpg"
    paths = (folder / name, folder / thumb_name)
    paths[0].write_bytes(photo.photo_bytes)
    try:
        paths[1].write_bytes(photo.thumb_bytes)
    except OSError:
        _remove(paths)  # no photo without its thumbnail
        raise
    return StoredPhoto(
        name=name,
        thumb_name=thumb_name,
        width=photo.width,
        height=photo.height,
        size=len(photo.photo_bytes),
    )


def store_photo(data: bytes, folder: Path) -> StoredPhoto:
    """Check, clean and write a photo in one step (prepare_photo, then write_photo)."""
    return write_photo(prepare_photo(data), folder)


def _remove(paths: tuple[Path, ...]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def photo_path(folder: Path, name: str) -> Path:
    """The file of a stored photo or thumbnail; names not made by store_photo raise ValueError."""
    # fullmatch, not ^...$: "$" would also accept a trailing newline.
    if not _STORED_NAME.fullmatch(name):
        raise ValueError(f"not a stored photo name: {name!r}")
    return folder / name


def _wrong_type() -> AppError:
    return AppError(_("Photos must be JPEG, PNG or WebP images."), status=415, code="photo_type")


def _too_many_pixels() -> AppError:
    return AppError(
        _(
            "The photo has too many pixels (at most %(mp)d megapixels).",
            mp=MAX_PIXELS // 1_000_000,
        ),
        status=413,
        code="photo_pixels",
    )


def _check_pixels(img: Image.Image) -> None:
    if img.width * img.height > MAX_PIXELS:
        raise _too_many_pixels()


def _refuse_polyglot(data: bytes) -> None:
    if _ACTIVE_CONTENT.search(data) or zipfile.is_zipfile(io.BytesIO(data)):
        raise AppError(
            _("The photo contains something other than an image."),
            status=415,
            code="photo_polyglot",
        )


def _decode(data: bytes) -> Image.Image:
    """The first frame, decoded; refused unless the bytes are a whole JPEG, PNG or WebP image."""
    # Only these plugins may even look at the bytes, so no other decoder (or Ghostscript) runs.
    formats = sorted(ALLOWED_FORMATS)
    try:
        with Image.open(io.BytesIO(data), formats=formats) as probe:
            _check_pixels(probe)
            probe.verify()  # structure and checksums; the image cannot be used afterwards
        img = Image.open(io.BytesIO(data), formats=formats)
        if _FORMAT_ALIASES.get(img.format, img.format) not in ALLOWED_FORMATS:
            raise _wrong_type()
        _check_pixels(img)
        # JPEG can decode at 1/2, 1/4 or 1/8 scale: cheaper, and still twice the final size.
        img.draft(None, _fit(img.size, 2 * MAX_SIDE))
        img.load()
    except AppError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # The warning arrives as an exception where warnings are errors (as in the tests).
        raise _too_many_pixels() from exc
    except Exception as exc:
        # Hostile or damaged files make Pillow raise many kinds of error (OSError, SyntaxError,
        # ValueError, struct.error...); to the user they all mean "not a usable image".
        raise _wrong_type() from exc
    return img


def _fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    width, height = size
    if max(width, height) <= side:
        return size
    ratio = side / max(width, height)
    return max(1, round(width * ratio)), max(1, round(height * ratio))


def _turn_upright(img: Image.Image) -> None:
    # Phones store pixels as the sensor saw them plus an EXIF rotation; once EXIF is dropped the
    # rotation must already be in the pixels, or the photo shows sideways.
    # A broken EXIF block must not cost the user the photo; it is dropped anyway.
    with contextlib.suppress(Exception):
        ImageOps.exif_transpose(img, in_place=True)


def _to_srgb(img: Image.Image) -> Image.Image:
    # Browsers treat untagged images as sRGB, and the profile is dropped with the rest of the
    # metadata, so wide-gamut photos (Display P3 from phones) are converted first to keep colours.
    icc = img.info.get("icc_profile")
    if not icc or img.mode not in ("RGB", "RGBA", "CMYK"):
        return img
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        out_mode = "RGBA" if img.mode == "RGBA" else "RGB"
        return ImageCms.profileToProfile(img, source, _SRGB, outputMode=out_mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return img  # a broken or mismatched profile: keep the pixels as they are


def _normalise_mode(img: Image.Image) -> Image.Image:
    """RGBA when some pixel is actually transparent, RGB otherwise."""
    if img.mode == "I" or img.mode.startswith("I;16"):
        # 16-bit greyscale PNG: a plain convert would clip everything above 255 to white.
        img = img.point(lambda v: v / 256).convert("L")
    if img.has_transparency_data:
        img = img.convert("RGBA")
        if img.getextrema()[3][0] < 255:
            return img
    return img.convert("RGB")


def _thumbnail(img: Image.Image) -> Image.Image:
    thumb = img.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    if thumb.mode != "RGBA":
        return thumb
    flat = Image.new("RGB", thumb.size, "white")  # thumbnails are JPEG: no alpha
    flat.paste(thumb, mask=thumb.getchannel("A"))
    return flat


def _encode_jpeg(img: Image.Image, quality: int) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality, optimize=True, progressive=True)
    return buf.getvalue()


def _encode_png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()
