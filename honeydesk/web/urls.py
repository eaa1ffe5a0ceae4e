from django.contrib.auth import views as auth_views
from django.urls import path

from honeydesk.web.views import auth, desk, files, kb, portal

app_name = "web"
urlpatterns = [
    path("", auth.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="registration/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("desk/", desk.queue, name="queue"),
    path("desk/search/", desk.search, name="search"),
    path("desk/bulk-assign/", desk.bulk_assign, name="bulk_assign"),
    path("desk/cases/<str:ref>/", desk.case_page, name="case"),
    path("desk/cases/<str:ref>/compose/", desk.compose, name="compose"),
    path("desk/cases/<str:ref>/coach/", desk.coach, name="coach"),
    path("desk/cases/<str:ref>/entries/<int:entry_id>/html/", files.entry_html, name="entry_html"),
    path("cases/<str:ref>/attachments/<int:attachment_id>/", files.attachment, name="attachment"),
    path("desk/cases/<str:ref>/do/<slug:name>/", desk.case_action, name="case_action"),
    path("desk/kb/", kb.article_list, name="kb"),
    path("desk/kb/new/", kb.article_edit, name="kb_new"),
    path("desk/kb/<int:pk>/", kb.article_edit, name="kb_edit"),
    path("portal/", portal.portal_home, name="portal"),
    path("portal/suggest/", kb.portal_suggest, name="portal_suggest"),
    path("portal/login/", auth.portal_login, name="portal_login"),
    path("portal/login/<str:uidb64>/<str:token>/", auth.portal_link, name="portal_link"),
    path("portal/new/", portal.portal_new, name="portal_new"),
    path("portal/search/", portal.portal_search, name="portal_search"),
    path("portal/cases/<str:ref>/", portal.portal_case, name="portal_case"),
    path("portal/cases/<str:ref>/reply/", portal.portal_reply, name="portal_reply"),
    path("portal/cases/<str:ref>/supervisor/", portal.portal_escalate, name="portal_escalate"),
    path("portal/cases/<str:ref>/record/", portal.portal_record, name="portal_record"),
]
