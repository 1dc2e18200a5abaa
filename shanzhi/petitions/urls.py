from django.urls import path

from .views import actions, aid, cases, reception, statistics

app_name = "petitions"
urlpatterns = [
    path("", cases.petition_list, name="list"),
    path("new/", cases.petition_new, name="new"),
    path("new/persons/", cases.person_search, name="person_search"),
    path("<int:pk>/", cases.petition_detail, name="detail"),
    path("<int:pk>/act/<slug:name>/", cases.petition_act, name="act"),
    path("<int:pk>/link/", cases.petition_link, name="link"),
    path(
        "<int:pk>/petitioners/<int:petitioner_pk>/unmask/",
        cases.petitioner_unmask,
        name="petitioner_unmask",
    ),
    path(
        "<int:pk>/documents/<slug:kind>.<slug:fmt>",
        cases.petition_document,
        name="document",
    ),
    path("reception/", reception.reception, name="reception"),
    path("reception/days/new/", reception.reception_day_new, name="reception_day_new"),
    path("reception/book/", reception.reception_book, name="reception_book"),
    path(
        "reception/bookings/<int:pk>/outcome/",
        reception.reception_outcome,
        name="reception_outcome",
    ),
    path("actions/", actions.action_list, name="actions"),
    path("actions/new/", actions.action_new, name="action_new"),
    path("actions/<int:pk>/", actions.action_detail, name="action_detail"),
    path("actions/<int:pk>/cases/", actions.action_add_case, name="action_add_case"),
    path(
        "actions/<int:pk>/items/<int:item_pk>/tick/",
        actions.checklist_tick,
        name="checklist_tick",
    ),
    path("aid/", aid.aid_page, name="aid"),
    path("aid/apply/", aid.aid_apply, name="aid_apply"),
    path("aid/<int:pk>/decide/", aid.aid_decide, name="aid_decide"),
    path("aid/<int:pk>/pay/", aid.aid_pay, name="aid_pay"),
    path("aid/export.xlsx", aid.aid_export, name="aid_export"),
    path("statistics/", statistics.statistics_page, name="statistics"),
]
