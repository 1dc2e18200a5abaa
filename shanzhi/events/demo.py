"""Demo part of events: the event catalogue and the Open311 API client (see core/demo.py).

``build`` runs the steps in order; events themselves (seed scale: 770 000 a year) are added by
``build_events``.
"""

from __future__ import annotations

import os

from django.conf import settings

from shanzhi.accounts.authentication import token_digest
from shanzhi.core.demo import DemoContext

from . import demo_events, services
from .models import ApiClient

DEMO_CLIENT_NAME = "演示 Open311 客户端 demo Open311 client"


def build(ctx: DemoContext) -> None:
    build_catalogue_and_clients(ctx)
    build_events(ctx)


def build_catalogue_and_clients(ctx: DemoContext) -> None:
    created = services.catalogue_seed()
    if created:
        ctx.log(f"事件分类 event catalogue: {created} 类")
    key = settings.SHANZHI_DEMO_API_KEY
    if not ApiClient.objects.filter(digest=token_digest(key)).exists():
        services.api_client_create(
            actor=None, name=DEMO_CLIENT_NAME, contact="demo@example.invalid", key=key
        )
    port = os.environ.get("PORT", "8000")
    ctx.log(f"Open311: http://127.0.0.1:{port}/open311/v2/discovery.json  api_key={key}")


def build_events(ctx: DemoContext) -> None:
    """Demo events: a few hundred through the services; at seed scale 770,000 in 薛城区."""
    demo_events.build_events(ctx)


def prepare(ctx: DemoContext) -> None:
    demo_events.prepare(ctx)
