"""The catalogue and API-client admin: city administrators only, audited, keys shown once."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from shanzhi.accounts.scope import forget_scope
from shanzhi.core.models import AuditLog
from shanzhi.events.models import ApiClient, EventType, EventTypeAttribute

CHANGELIST = reverse("admin:events_eventtype_changelist")
CLIENTS = reverse("admin:events_apiclient_changelist")
CLIENT_ADD = reverse("admin:events_apiclient_add")


def staff_client(user: Any) -> Client:
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    forget_scope(user)
    client = Client()
    client.force_login(user)
    return client


def change_data(event_type: EventType, attributes: list[dict[str, Any]], **changes: Any) -> dict:
    data: dict[str, Any] = {
        "parent": event_type.parent_id or "",
        "code": event_type.code,
        "name": event_type.name,
        "description": event_type.description,
        "order": event_type.order,
        "is_active": "on" if event_type.is_active else "",
        "is_public": "on" if event_type.is_public else "",
        "priority": event_type.priority,
        "accept_hours": event_type.accept_hours,
        "dispatch_hours": event_type.dispatch_hours,
        "handle_days": event_type.handle_days,
        "verify_days": event_type.verify_days,
        "responsible_departments": [d.pk for d in event_type.responsible_departments.all()],
        "department_keywords": event_type.department_keywords,
        "attributes-TOTAL_FORMS": str(len(attributes)),
        "attributes-INITIAL_FORMS": str(sum(1 for a in attributes if a.get("id"))),
        "attributes-MIN_NUM_FORMS": "0",
        "attributes-MAX_NUM_FORMS": "1000",
    }
    for i, attribute in enumerate(attributes):
        for key, value in attribute.items():
            data[f"attributes-{i}-{key}"] = value
        data[f"attributes-{i}-event_type"] = event_type.pk
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def attribute_row(attribute: EventTypeAttribute, **changes: Any) -> dict[str, Any]:
    import json

    row = {
        "id": attribute.pk,
        "code": attribute.code,
        "datatype": attribute.datatype,
        "required": "on" if attribute.required else "",
        "description": attribute.description,
        "order": attribute.order,
        "values": json.dumps(attribute.values, ensure_ascii=False),
    }
    row.update(changes)
    return row


def test_city_admin_edits_a_type_with_departments_and_attributes_audited(cast):
    client = staff_client(cast.city_admin)
    fire_type = EventType.objects.get(code="0301")
    hazard = fire_type.attributes.get()
    assert client.get(CHANGELIST).status_code == 200
    url = reverse("admin:events_eventtype_change", args=[fire_type.pk])
    assert client.get(url).status_code == 200
    before = AuditLog.objects.filter(action="admin.change").count()
    data = change_data(
        fire_type,
        [
            attribute_row(hazard),
            {
                "code": "floor",
                "datatype": "number",
                "description": "楼层",
                "order": 1,
                "values": "[]",
            },
        ],
        handle_days=4,
        responsible_departments=[cast.housing.pk],
    )
    response = client.post(url, data)
    assert response.status_code == 302, (
        response.context["adminform"].form.errors if response.context else ""
    )
    fire_type.refresh_from_db()
    assert fire_type.handle_days == 4
    assert list(fire_type.responsible_departments.all()) == [cast.housing]
    assert set(fire_type.attributes.values_list("code", flat=True)) == {"hazard_level", "floor"}
    assert AuditLog.objects.filter(action="admin.change").count() == before + 1


def test_a_list_attribute_needs_values(cast):
    client = staff_client(cast.city_admin)
    fire_type = EventType.objects.get(code="0301")
    hazard = fire_type.attributes.get()
    url = reverse("admin:events_eventtype_change", args=[fire_type.pk])
    response = client.post(url, change_data(fire_type, [attribute_row(hazard, values="[]")]))
    assert response.status_code == 200  # the form again, with the error
    assert fire_type.attributes.get().values  # unchanged


@pytest.mark.parametrize("persona", ["dispatcher", "town_officer", "department_handler"])
def test_other_staff_cannot_see_or_change_the_catalogue(cast, persona):
    client = staff_client(cast.persona(persona))
    fire_type = EventType.objects.get(code="0301")
    url = reverse("admin:events_eventtype_change", args=[fire_type.pk])
    assert client.get(CHANGELIST).status_code == 403
    response = client.post(url, change_data(fire_type, [], handle_days=9))
    assert response.status_code == 403
    fire_type.refresh_from_db()
    assert fire_type.handle_days != 9
    assert client.get(CLIENTS).status_code == 403
    assert client.post(CLIENT_ADD, {"name": "x"}).status_code == 403
    assert not ApiClient.objects.exists()


def test_issuing_a_client_shows_the_key_once_and_stores_its_digest(cast):
    client = staff_client(cast.city_admin)
    response = client.post(CLIENT_ADD, {"name": "12345 热线", "contact": "热线中心"})
    assert response.status_code == 200
    key = response.context["key"]
    api_client = ApiClient.objects.get()
    assert api_client.digest == hashlib.sha256(key.encode()).hexdigest()
    assert api_client.prefix == key[:10] and api_client.created_by == cast.city_admin
    assert key in response.content.decode()
    page = client.get(reverse("admin:events_apiclient_change", args=[api_client.pk]))
    assert key not in page.content.decode()
    assert AuditLog.objects.filter(action="events.api_client_create").exists()


def test_revoking_a_client_in_the_admin(cast):
    from shanzhi.events import services

    api_client, _key = services.api_client_create(actor=cast.superuser, name="外部系统")
    client = staff_client(cast.superuser)
    response = client.post(
        CLIENTS, {"action": "revoke", "_selected_action": [api_client.pk]}, follow=True
    )
    assert response.status_code == 200
    api_client.refresh_from_db()
    assert api_client.is_active is False
    assert AuditLog.objects.filter(action="events.api_client_revoke").count() == 1
