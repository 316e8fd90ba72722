"""Every page but login needs an account; every response carries the security headers."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.urls import Resolver404, resolve

#: URL names reachable without an account.
PUBLIC = {"login", "set_language"}


class LoginRequiredEverywhere:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.user.is_authenticated and not request.path.startswith(settings.STATIC_URL):
            try:
                name = resolve(request.path_info).url_name
            except Resolver404:
                name = None
            if name not in PUBLIC:
                return redirect_to_login(request.get_full_path())
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
