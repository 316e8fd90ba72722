"""The audit log (logins, uploads, decisions) and the login throttle that reads it."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from portal.models import AuditEvent

#: Failed logins allowed per account name, and per address, within the window.
MAX_FAILURES, WINDOW = 5, dt.timedelta(minutes=15)


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or behind the HTTPS proxy the README describes
    (MIGSTATS_PORTAL_HTTPS=1) the address that proxy appended to X-Forwarded-For, the last
    one (earlier ones are the client's to forge)."""
    from django.conf import settings

    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.HTTPS and forwarded:
        return forwarded.split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def record(request, action: str, *, username: str | None = None, **fields) -> AuditEvent:
    user = getattr(request, "user", None)
    name = username or (user.get_username() if user and user.is_authenticated else "")
    return AuditEvent.objects.create(
        username=name[:150], action=action, ip=client_ip(request), **fields
    )


def throttled(request, username: str) -> bool:
    """Too many failed logins lately for this account name or from this address."""
    since = timezone.now() - WINDOW
    failures = AuditEvent.objects.filter(action="login_failed", at__gte=since)
    return (
        failures.filter(username=username[:150]).count() >= MAX_FAILURES
        or failures.filter(ip=client_ip(request)).count() >= MAX_FAILURES * 4
    )
