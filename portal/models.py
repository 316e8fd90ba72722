"""The portal's own tables: who may act for which member states, and what was done."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    FOCAL_POINT = "focal_point", _("National focal point")
    SECRETARIAT = "secretariat", _("Secretariat statistician")


class Profile(models.Model):
    """An account's role and, for a focal point, the member states it acts for."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.FOCAL_POINT)
    #: ISO3 codes, space-separated (a focal point acts for one state, or a few).
    countries = models.CharField(max_length=200, blank=True, default="")

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.get_role_display()} {self.countries})"

    def clean(self) -> None:
        """Member states by their ISO3 codes only (the admin's form calls this)."""
        from django.core.exceptions import ValidationError

        from schemas.contract import load_contract

        codes = [c.upper() for c in self.countries.replace(",", " ").split()]
        unknown = [c for c in codes if c not in load_contract().members]
        if unknown:
            raise ValidationError(
                {"countries": _("Not member states: %(codes)s") % {"codes": ", ".join(unknown)}}
            )
        if self.role == Role.FOCAL_POINT and not codes:
            raise ValidationError({"countries": _("A focal point acts for at least one state.")})
        self.countries = " ".join(codes)

    @property
    def country_list(self) -> list[str]:
        return sorted(set(self.countries.split()))


class AuditEvent(models.Model):
    """One login, upload or decision: who, when, from where, for which state."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    username = models.CharField(max_length=150, db_index=True)
    action = models.CharField(max_length=32, db_index=True)
    country = models.CharField(max_length=3, blank=True, default="")
    submission_id = models.IntegerField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    detail = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.country}"
