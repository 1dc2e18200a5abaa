"""Shared pieces of the event page tests: media in a temporary folder, a clean cache (the
portal's rate limit counts in it), images and uploads."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from shanzhi.events.models import Event, TimelineEntry


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def clean_cache():
    cache.clear()
    yield
    cache.clear()


def png_bytes(size=(32, 24), colour=(20, 120, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def png_upload(name="photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def snapshot() -> tuple[int, int, list[tuple[int, str, int]]]:
    """Counts and states: equal before and after means nothing was written."""
    return (
        Event.objects.count(),
        TimelineEntry.objects.count(),
        list(Event.objects.order_by("pk").values_list("pk", "state", "version")),
    )
