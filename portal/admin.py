"""Administrators manage accounts, roles and states in Django's admin (/admin/)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User

from portal.models import AuditEvent, Profile


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False


class AccountAdmin(UserAdmin):
    inlines = [ProfileInline]


admin.site.unregister(User)
admin.site.register(User, AccountAdmin)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "username", "action", "country", "submission_id", "ip"]
    list_filter = ["action", "country"]
    search_fields = ["username", "detail"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # the log is read, never edited

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
