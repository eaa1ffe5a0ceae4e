from django.contrib.auth import views as auth_views
from django.urls import path

from honeydesk.web.views import auth, credits, desk, files, held, kb, outages, outbox, portal, promises

app_name = "web"
urlpatterns = [
    path("", auth.home, name="home"),
    path("login/", auth.StaffLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/second-factor/", auth.second_factor, name="second_factor"),
    path("desk/", desk.queue, name="queue"),
    path("desk/search/", desk.search, name="search"),
    path("desk/bulk-assign/", desk.bulk_assign, name="bulk_assign"),
    path("desk/held-mail/", held.held_list, name="held_mail"),
    path("desk/held-mail/<int:pk>/<slug:decision>/", held.held_decide, name="held_decide"),
    path("desk/cases/<str:ref>/", desk.case_page, name="case"),
    path("desk/cases/<str:ref>/compose/", desk.compose, name="compose"),
    path("desk/cases/<str:ref>/coach/", desk.coach, name="coach"),
    path("desk/cases/<str:ref>/entries/<int:entry_id>/html/", files.entry_html, name="entry_html"),
    path("cases/<str:ref>/attachments/<int:attachment_id>/", files.attachment, name="attachment"),
    path("desk/cases/<str:ref>/do/<slug:name>/", desk.case_action, name="case_action"),
    path("desk/outbox/", outbox.outbox_list, name="outbox"),
    path("desk/outbox/<str:name>/", outbox.outbox_mail, name="outbox_mail"),
    path("desk/cases/<str:ref>/callbacks/", promises.promise_callback, name="promise_callback"),
    path("desk/cases/<str:ref>/proposals/<slug:kind>/<slug:decision>/", promises.proposal_action, name="proposal"),
    path("desk/callbacks/", promises.callback_queue, name="callbacks"),
    path("desk/callbacks/<int:task_id>/close/", promises.callback_close, name="callback_close"),
    path("desk/notifications/", promises.notification_list, name="notifications"),
    path("desk/notifications/bell/", promises.notification_bell, name="notification_bell"),
    path("desk/notifications/read/", promises.notification_read, name="notifications_read"),
    path("desk/notifications/preferences/", promises.notification_preferences, name="notification_preferences"),
    path("desk/cases/<str:ref>/credits/", credits.desk_credit_request, name="desk_credit_request"),
    path(
        "desk/cases/<str:ref>/credits/<int:request_id>/decide/", credits.desk_credit_decide, name="desk_credit_decide"
    ),
    path(
        "desk/cases/<str:ref>/credits/<int:request_id>/answer/", credits.desk_credit_answer, name="desk_credit_answer"
    ),
    path(
        "desk/cases/<str:ref>/credits/<int:request_id>/withdraw/",
        credits.desk_credit_withdraw,
        name="desk_credit_withdraw",
    ),
    path("desk/credits/approvals/", credits.approvals_queue, name="credit_approvals"),
    path("desk/credits/approvals/<int:approval_id>/", credits.approval_decide, name="credit_approval_decide"),
    path("desk/accounts/<str:number>/credits.csv", credits.ledger_csv, name="ledger_csv"),
    path("desk/accounts/<str:number>/billing-errors/", credits.billing_error_flag, name="billing_error_flag"),
    path("desk/billing-errors/<int:flag_id>/clear/", credits.billing_error_clear, name="billing_error_clear"),
    path("desk/incidents/", outages.incidents_page, name="incidents"),
    path("desk/incidents/report/", outages.incident_report, name="incident_report"),
    path("desk/incidents/<int:incident_id>/", outages.incident_page, name="incident"),
    path("desk/incidents/<int:incident_id>/do/<slug:name>/", outages.incident_action, name="incident_action"),
    path("desk/kb/", kb.article_list, name="kb"),
    path("desk/kb/new/", kb.article_edit, name="kb_new"),
    path("desk/kb/<int:pk>/", kb.article_edit, name="kb_edit"),
    path("portal/", portal.portal_home, name="portal"),
    path("portal/suggest/", kb.portal_suggest, name="portal_suggest"),
    path("portal/login/", auth.portal_login, name="portal_login"),
    path("portal/login/<str:token>/", auth.portal_link, name="portal_link"),
    path("portal/new/", portal.portal_new, name="portal_new"),
    path("portal/search/", portal.portal_search, name="portal_search"),
    path("portal/cases/<str:ref>/", portal.portal_case, name="portal_case"),
    path("portal/cases/<str:ref>/reply/", portal.portal_reply, name="portal_reply"),
    path("portal/cases/<str:ref>/supervisor/", portal.portal_escalate, name="portal_escalate"),
    path("portal/cases/<str:ref>/record/", portal.portal_record, name="portal_record"),
    path("portal/cases/<str:ref>/call-me/", promises.portal_call_me, name="portal_call_me"),
    path("portal/cases/<str:ref>/credits/", credits.portal_credit_request, name="portal_credit_request"),
    path(
        "portal/cases/<str:ref>/credits/<int:request_id>/answer/",
        credits.portal_credit_answer,
        name="portal_credit_answer",
    ),
    path(
        "portal/cases/<str:ref>/credits/<int:request_id>/withdraw/",
        credits.portal_credit_withdraw,
        name="portal_credit_withdraw",
    ),
]
