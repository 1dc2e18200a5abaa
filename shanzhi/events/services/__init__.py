"""Writes to events. Every report, transition, attachment and notification goes through here.

- ``reporting``: ``event_report`` (every channel; on-the-spot solutions), ``clean_attributes``;
- ``transitions``: ``event_transition`` (the one generic state change) and the typed
  ``event_<transition>`` shortcuts; ``EventConflict`` (stale version → HTTP 409);
- ``attachments``: photo checks, EXIF stripping, storage;
- ``notifications``: the outbox and its channel adapters;
- ``catalogue``: the default event catalogue (``catalogue_seed``);
- ``clients``: Open311 API clients (``api_client_create`` / ``_revoke`` / ``_authenticate``).
"""

from .attachments import attachment_prepare, attachments_prepare
from .catalogue import catalogue_seed
from .clients import api_client_authenticate, api_client_create, api_client_revoke
from .notifications import notification_mark_read
from .reporting import ReportResult, clean_attributes, event_report
from .transitions import (
    EventConflict,
    context_for,
    event_accept,
    event_cancel,
    event_decide_extension,
    event_dispatch,
    event_escalate,
    event_evaluate,
    event_feedback,
    event_merge,
    event_reject,
    event_reopen,
    event_request_extension,
    event_resume,
    event_return,
    event_sign,
    event_supervise,
    event_suspend,
    event_transition,
    event_verify,
    query_code_matches,
)

__all__ = [
    "EventConflict",
    "ReportResult",
    "api_client_authenticate",
    "api_client_create",
    "api_client_revoke",
    "attachment_prepare",
    "attachments_prepare",
    "catalogue_seed",
    "clean_attributes",
    "context_for",
    "event_accept",
    "event_cancel",
    "event_decide_extension",
    "event_dispatch",
    "event_escalate",
    "event_evaluate",
    "event_feedback",
    "event_merge",
    "event_reject",
    "event_reopen",
    "event_report",
    "event_request_extension",
    "event_resume",
    "event_return",
    "event_sign",
    "event_supervise",
    "event_suspend",
    "event_transition",
    "event_verify",
    "notification_mark_read",
    "query_code_matches",
]
