"""The portal's addresses. Ids and codes in a path are looked up, never used as file names."""

from django.contrib import admin
from django.urls import include, path, re_path
from django.views.i18n import set_language

from portal.views import account, focal, public, secretariat

app_name = "portal"

pages = [
    path("", account.home, name="home"),
    path("login/", account.login_view, name="login"),
    path("logout/", account.logout_view, name="logout"),
    path("language/", set_language, name="set_language"),
    path("upload/", focal.upload, name="upload"),
    path("state/<str:country>/", focal.history, name="history"),
    path("submission/<int:submission_id>/", focal.submission, name="submission"),
    path(
        "submission/<int:submission_id>/report.<str:fmt>",
        focal.report_download,
        name="report",
    ),
    path("template/<str:dataset>.xlsx", focal.template_download, name="template"),
    path("tracker/", secretariat.tracker, name="tracker"),
    path("review/", secretariat.review, name="review"),
    path(
        "review/<int:submission_id>/<str:decision>/",
        secretariat.decide,
        name="decide",
    ),
    path("releases/", secretariat.releases_view, name="releases"),
    path("releases/<str:release_id>/<path:name>", secretariat.release_file, name="release_file"),
    path("runs/", secretariat.runs, name="runs"),
    path("warnings/", secretariat.warnings, name="warnings"),
    # the public data explorer: no account needed (portal.middleware.PUBLIC)
    path("data/", public.catalogue, name="data"),
    path("data/<str:release_id>/", public.catalogue, name="data_release"),
    path("data/<str:release_id>/charts/", public.charts, name="data_charts"),
    path("data/<str:release_id>/files/<path:name>", public.release_file, name="data_file"),
    path("data/<str:release_id>/charts/<str:name>", public.chart_file, name="data_chart"),
    path("data/<str:release_id>/<str:name>/", public.table, name="data_table"),
    re_path(
        r"^data/(?P<release_id>[^/]+)/(?P<name>[a-z0-9_]+)\.(?P<fmt>csv|xlsx|sdmx\.csv)$",
        public.download,
        name="data_download",
    ),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include((pages, "portal"))),
]
