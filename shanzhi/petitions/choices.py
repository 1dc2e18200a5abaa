"""Choices shared by petition models, the workflow table and pages (信访工作条例 2022)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    ONLINE = "online", _("网上信访")
    LETTER = "letter", _("来信")
    PHONE = "phone", _("来电")
    FAX = "fax", _("传真")
    VISIT = "visit", _("来访")


class PetitionType(models.TextChoices):
    SUGGESTION = "suggestion", _("建议意见")
    ACCUSATION = "accusation", _("检举控告")
    APPEAL = "appeal", _("申诉求决")


class State(models.TextChoices):
    REGISTERED = "registered", _("已登记")
    ASSIGNED = "assigned", _("已转送交办")
    DIVERTED = "diverted", _("已导入法律程序")
    ACCEPTED = "accepted", _("已受理")
    NOT_ACCEPTED = "not_accepted", _("不予受理")
    HANDLING = "handling", _("办理中")
    REPLIED = "replied", _("已出具处理意见")
    REVIEW_REQUESTED = "review_requested", _("复查中")
    REVIEWED = "reviewed", _("已复查")
    REREVIEW_REQUESTED = "rereview_requested", _("复核中")
    REREVIEWED = "rereviewed", _("已复核终结")
    CLOSED = "closed", _("已办结")


class Decision(models.TextChoices):
    """处理意见 (art. 32)."""

    SUPPORT = "support", _("支持")
    EXPLAIN = "explain", _("解释说明")
    REJECT = "reject", _("不予支持")


class ReviewKind(models.TextChoices):
    REVIEW = "review", _("复查")
    REREVIEW = "rereview", _("复核")


class ReviewDecision(models.TextChoices):
    UPHOLD = "uphold", _("维持")
    CHANGE = "change", _("变更")
    REVOKE = "revoke", _("撤销")


class BookingState(models.TextChoices):
    BOOKED = "booked", _("已预约")
    ATTENDED = "attended", _("已接待")
    NO_SHOW = "no_show", _("未到")
    CANCELLED = "cancelled", _("已取消")


class AidState(models.TextChoices):
    APPLIED = "applied", _("已申请")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("不予救助")
    PAID = "paid", _("已发放")
