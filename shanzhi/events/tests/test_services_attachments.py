"""Photos: only real JPEG/PNG/WebP images within the size limit, re-encoded without EXIF."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from shanzhi.events import services
from shanzhi.events.models import Attachment, AttachmentKind, Event

from .helpers import build, fire, report

GPS_IFD = 0x8825
ORIENTATION = 0x0112


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def jpeg_with_gps(size=(64, 48), orientation: int | None = None) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "ShanzhiCam"  # Make
    exif[0x0131] = "secret-editor 1.0"  # Software
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (34.0, 37.0, 12.0)
    gps[3] = "E"
    gps[4] = (117.0, 7.0, 30.0)
    if orientation:
        exif[ORIENTATION] = orientation
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif, comment=b"taken at home")
    return buffer.getvalue()


def upload(content: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_gps_and_other_exif_are_stripped_from_a_jpeg():
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)  # the test has GPS
    prepared = services.attachment_prepare(upload(original))
    cleaned = Image.open(io.BytesIO(prepared.content))
    assert cleaned.format == "JPEG"
    assert not cleaned.getexif()
    assert "exif" not in cleaned.info and "comment" not in cleaned.info
    assert b"ShanzhiCam" not in prepared.content and b"secret-editor" not in prepared.content
    assert prepared.sha256 == hashlib.sha256(prepared.content).hexdigest()
    assert (prepared.width, prepared.height) == (64, 48)


def test_orientation_is_applied_before_exif_is_dropped():
    prepared = services.attachment_prepare(upload(jpeg_with_gps((64, 48), orientation=6)))
    assert (prepared.width, prepared.height) == (48, 64)  # rotated upright


def test_twenty_megabyte_image_is_refused(settings):
    big = jpeg_with_gps() + b"\0" * (20 * 1024 * 1024)
    with pytest.raises(ValidationError, match="10 MB"):
        services.attachment_prepare(upload(big))
    settings.SHANZHI_ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(ValidationError, match="MB"):
        services.attachment_prepare(upload(jpeg_with_gps((400, 400))))


def test_pdf_renamed_to_jpg_is_refused():
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    with pytest.raises(ValidationError, match="JPEG、PNG 或 WebP"):
        services.attachment_prepare(upload(pdf, "scan.jpg"))


@pytest.mark.parametrize("image_format", ["GIF", "BMP", "TIFF"])
def test_other_image_formats_are_refused(image_format):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, format=image_format)
    with pytest.raises(ValidationError):
        services.attachment_prepare(upload(buffer.getvalue(), "x.jpg"))


def test_truncated_jpeg_is_refused():
    with pytest.raises(ValidationError):
        services.attachment_prepare(upload(jpeg_with_gps()[:200]))


@pytest.mark.parametrize(("image_format", "mode"), [("PNG", "RGBA"), ("WEBP", "RGB")])
def test_png_and_webp_are_kept_in_their_format(image_format, mode):
    buffer = io.BytesIO()
    Image.new(mode, (32, 32)).save(buffer, format=image_format)
    prepared = services.attachment_prepare(upload(buffer.getvalue(), "x.img"))
    assert Image.open(io.BytesIO(prepared.content)).format == image_format
    assert Image.open(io.BytesIO(prepared.thumbnail)).format == "JPEG"


def test_report_photos_are_stored_privately_under_events(cast, media_root):
    event = report(cast, photos=[upload(jpeg_with_gps((800, 600)))])
    attachment = Attachment.objects.get(event=event)
    assert attachment.kind == AttachmentKind.REPORT
    assert attachment.file.name.startswith("events/") and event.number in attachment.file.name
    stored = default_storage.open(attachment.file.name).read()
    assert hashlib.sha256(stored).hexdigest() == attachment.sha256
    assert not Image.open(io.BytesIO(stored)).getexif()
    thumb = Image.open(default_storage.open(attachment.thumbnail.name))
    assert max(thumb.size) == 320
    assert attachment.entry.transition == "report"
    assert str(media_root) in default_storage.path(attachment.file.name)


def test_feedback_photos_belong_to_the_feedback_entry(cast):
    event = build(cast, "in_progress")
    event = fire(
        event,
        cast.department_handler,
        "feedback",
        comment="已清理",
        photos=[upload(jpeg_with_gps())],
    )
    attachment = Attachment.objects.get(event=event)
    assert attachment.kind == AttachmentKind.AFTER
    assert attachment.entry.transition == "feedback"
    assert attachment.uploaded_by == cast.department_handler


def test_one_bad_photo_refuses_the_whole_report_and_stores_nothing(cast, media_root):
    with pytest.raises(ValidationError) as exc:
        report(cast, photos=[upload(jpeg_with_gps()), upload(b"%PDF-1.4", "x.jpg")])
    assert "photos" in exc.value.message_dict
    assert not Event.objects.exists() and not Attachment.objects.exists()
    assert not (media_root / "events").exists()


def test_too_many_photos_are_refused(cast):
    with pytest.raises(ValidationError, match="最多"):
        report(cast, photos=[upload(jpeg_with_gps()) for _ in range(10)])
