"""Administrators manage accounts, roles and states in Django's admin (/admin/)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.urls import reverse

from portal.models import AuditEvent, Profile


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False


class AccountAdmin(UserAdmin):
    inlines = [ProfileInline]


def _admin_login(request, extra_context=None):
    """The admin signs in through the portal's login (throttled and audited), never its own
    form: an account without the right to the admin gets 404."""
    if request.user.is_authenticated:
        raise Http404("No such page.")
    return redirect_to_login(
        request.GET.get("next") or "/admin/", login_url=reverse("portal:login")
    )


admin.site.login = _admin_login
admin.site.unregister(User)
admin.site.register(User, AccountAdmin)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "username", "action", "country", "submission_id", "ip"]
    list_filter = ["action", "country"]
    search_fields = ["username", "detail"]

    def has_add_permission(self, request) -> bool:
        return False  # written by the portal only

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # the log is read, never edited

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
