"""Every page but login needs an account; every response carries the security headers."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.urls import Resolver404, resolve

#: Views reachable without an account (by namespaced name: the admin's own "admin:login" is
#: not one of them, so every login goes through the throttled, audited portal:login).
PUBLIC = {
    "portal:login",
    "portal:set_language",
    # the data explorer: published releases only (portal.views.public)
    "portal:data",
    "portal:data_release",
    "portal:data_table",
    "portal:data_download",
    "portal:data_charts",
    "portal:data_file",
    "portal:data_chart",
}
#: The largest request body without an account (a login form is a few hundred bytes).
ANONYMOUS_BODY = 16 * 1024


class LoginRequiredEverywhere:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.user.is_authenticated and not request.path.startswith(settings.STATIC_URL):
            try:
                name = resolve(request.path_info).view_name
            except Resolver404:
                name = None
            if name not in PUBLIC:
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)


class BodyLimit:
    """Refuse a request body larger than anyone may send, from its declared length, before a
    byte of it is read: 16 KB without an account, the contract's largest file (and the form
    around it) with one. Django would otherwise spool any upload to a temporary file first,
    and a client that stalls half-way would leave it there and hold a worker."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.http import HttpResponse

        from portal.services import contract

        if request.method in ("POST", "PUT", "PATCH"):
            declared = request.META.get("CONTENT_LENGTH") or ""
            if not declared.isascii() or not declared.isdigit():
                return HttpResponse(
                    "A request with a body must say its length.",
                    status=411,
                    content_type="text/plain",
                )
            limit = (
                contract().limits.max_file_bytes + 1024 * 1024
                if request.user.is_authenticated
                else ANONYMOUS_BODY
            )
            if int(declared) > limit:
                return HttpResponse(
                    f"The request is {int(declared):,} bytes; the largest accepted is {limit:,}. "
                    "Nothing was received.",
                    status=413,
                    content_type="text/plain",
                )
        return self.get_response(request)


class SecurityHeaders:
    """A strict Content-Security-Policy (no inline script, nothing from elsewhere), and no
    caching of pages that show a state's data on a shared computer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        )
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        if request.user.is_authenticated:
            response.headers.setdefault("Cache-Control", "no-store")
        return response
