"""Petition writes (信访). Every function is keyword-only, takes ``actor=`` and runs in one
transaction; nothing is written when it raises."""

from .actions import checklist_item_tick, special_action_add_case, special_action_create
from .aid import aid_apply, aid_decide, aid_pay, paid_total
from .common import PetitionConflict, conflict_message
from .petitions import (
    PetitionerData,
    context_for,
    final_message,
    petition_accept,
    petition_close,
    petition_divert,
    petition_extend,
    petition_link_repeat,
    petition_not_accept,
    petition_object,
    petition_register,
    petition_route,
    petition_start,
    petition_transition,
    petitioner_unmask,
    reply_issue,
    representatives_message,
    review_decide,
    review_request,
)
from .reception import (
    reception_booking_create,
    reception_day_create,
    reception_outcome_record,
    reception_slot_create,
)

__all__ = [
    "PetitionConflict",
    "PetitionerData",
    "aid_apply",
    "aid_decide",
    "aid_pay",
    "checklist_item_tick",
    "conflict_message",
    "context_for",
    "final_message",
    "paid_total",
    "petition_accept",
    "petition_close",
    "petition_divert",
    "petition_extend",
    "petition_link_repeat",
    "petition_not_accept",
    "petition_object",
    "petition_register",
    "petition_route",
    "petition_start",
    "petition_transition",
    "petitioner_unmask",
    "reception_booking_create",
    "reception_day_create",
    "reception_outcome_record",
    "reception_slot_create",
    "reply_issue",
    "representatives_message",
    "review_decide",
    "review_request",
    "special_action_add_case",
    "special_action_create",
]
