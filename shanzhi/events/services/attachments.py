"""Event photos (事件照片): checked, re-encoded and stored; never kept as uploaded.

``attachment_prepare`` refuses anything that is not really a JPEG, PNG or WebP image (the
content is decoded by Pillow: a PDF renamed ``.jpg`` is refused), anything larger than
``SHANZHI_ATTACHMENT_MAX_BYTES`` (default 10 MB) or ``MAX_PIXELS``, and re-encodes the pixels
into a new file, so EXIF (GPS position, camera serial), XMP and comments are gone; the EXIF
orientation is applied first so the photo still stands upright. It also makes a thumbnail.
All of that happens before the event's transaction writes anything.

``attachment_store`` writes the prepared bytes under ``MEDIA_ROOT/events/<yyyy>/<mm>/<ticket>/``
with random names. These files are not public: pages must serve them through a scoped view.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import uuid
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from ..models import Attachment, Event, TimelineEntry

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 60_000_000  # a 60-megapixel photo; anything larger is refused before decoding
MAX_SIDE = 4096  # stored photos are scaled down to this longest side
THUMBNAIL_SIDE = 320
MAX_PHOTOS = 9
FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}


def max_bytes() -> int:
    return int(getattr(settings, "SHANZHI_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


@dataclass(frozen=True)
class PreparedImage:
    content: bytes
    thumbnail: bytes
    content_type: str
    extension: str
    width: int
    height: int
    sha256: str
    original_name: str


def _read_limited(upload: Any, limit: int) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise ValidationError(_("图片不能超过 %(mb)s MB。") % {"mb": limit // (1024 * 1024)})
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(_("图片不能超过 %(mb)s MB。") % {"mb": limit // (1024 * 1024)})
    return bytes(data)


def _encode(image: Image.Image, image_format: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on white, for JPEG output."""
    if image.mode in ("RGBA", "LA", "P"):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB") if image.mode != "RGB" else image


def attachment_prepare(upload: Any) -> PreparedImage:
    """Validate and re-encode one uploaded image; ValidationError (Chinese) when refused."""
    data = _read_limited(upload, max_bytes())
    not_image = _("只能上传 JPEG、PNG 或 WebP 格式的图片。")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            image_format = probe.format or ""
            if image_format not in FORMATS:
                raise ValidationError(not_image)
            if probe.width * probe.height > MAX_PIXELS:
                raise ValidationError(_("图片像素过多，请压缩后再上传。"))
            probe.verify()  # structure check; the image must be reopened after verify()
            opened = Image.open(io.BytesIO(data))
            opened.load()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError(_("图片像素过多，请压缩后再上传。")) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(not_image) from exc

    image: Image.Image = ImageOps.exif_transpose(opened) or opened
    icc_profile = image.info.get("icc_profile")
    image.info = {}  # drop EXIF, XMP, comments and text chunks before any encoder sees them
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    content_type, extension = FORMATS[image_format]
    options: dict[str, Any] = {"icc_profile": icc_profile} if icc_profile else {}
    if image_format == "JPEG":
        image = _flatten(image)
        content = _encode(image, "JPEG", quality=85, optimize=True, **options)
    elif image_format == "WEBP":
        content = _encode(image, "WEBP", quality=85, **options)
    else:
        content = _encode(image, "PNG", optimize=True, **options)
    thumb = _flatten(image.copy())
    thumb.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    return PreparedImage(
        content=content,
        thumbnail=_encode(thumb, "JPEG", quality=80),
        content_type=content_type,
        extension=extension,
        width=image.width,
        height=image.height,
        sha256=hashlib.sha256(content).hexdigest(),
        original_name=str(getattr(upload, "name", "") or "")[:200],
    )


def attachments_prepare(uploads: Iterable[Any] | None) -> list[PreparedImage]:
    """Prepare every upload, or refuse all with the first problem (keyed ``photos``)."""
    uploads = list(uploads or [])
    if len(uploads) > MAX_PHOTOS:
        raise ValidationError({"photos": [_("最多上传 %(n)s 张图片。") % {"n": MAX_PHOTOS}]})
    prepared = []
    for upload in uploads:
        try:
            prepared.append(attachment_prepare(upload))
        except ValidationError as exc:
            raise ValidationError({"photos": exc.messages}) from exc
    return prepared


def attachment_store(
    *,
    event: Event,
    prepared: PreparedImage,
    kind: str,
    actor: Any,
    entry: TimelineEntry | None,
    now: datetime.datetime,
) -> Attachment:
    """Write the files and the row. Call inside the event's transaction, last; on an error the
    caller deletes what was written (``attachment_files_delete``)."""
    folder = f"events/{now:%Y/%m}/{event.number}"
    stem = uuid.uuid4().hex
    file_name = default_storage.save(
        f"{folder}/{stem}.{prepared.extension}", ContentFile(prepared.content)
    )
    thumb_name = default_storage.save(f"{folder}/{stem}_thumb.jpg", ContentFile(prepared.thumbnail))
    return Attachment.objects.create(
        event=event,
        entry=entry,
        kind=kind,
        file=file_name,
        thumbnail=thumb_name,
        content_type=prepared.content_type,
        size=len(prepared.content),
        sha256=prepared.sha256,
        width=prepared.width,
        height=prepared.height,
        original_name=prepared.original_name,
        uploaded_by=actor if getattr(actor, "pk", None) else None,
        created_at=now,
    )


def attachments_store(
    *,
    event: Event,
    prepared: Iterable[PreparedImage],
    kind: str,
    actor: Any,
    entry: TimelineEntry | None,
    now: datetime.datetime,
) -> list[Attachment]:
    """Store several; if one fails, delete the files already written and re-raise."""
    stored: list[Attachment] = []
    try:
        for item in prepared:
            stored.append(
                attachment_store(
                    event=event, prepared=item, kind=kind, actor=actor, entry=entry, now=now
                )
            )
    except Exception:
        attachment_files_delete(stored)
        raise
    return stored


def attachment_files_delete(attachments: Iterable[Attachment]) -> None:
    for attachment in attachments:
        for name in (attachment.file.name, attachment.thumbnail.name):
            if name:
                default_storage.delete(name)
