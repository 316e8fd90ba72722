"""Login (throttled, audited), logout, and the home page each role starts from."""

from __future__ import annotations

from django.contrib.auth import authenticate, login, logout
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portal.access import is_secretariat, states_of
from portal.audit import record, throttled
from portal.forms import LoginForm


@require_http_methods(["GET", "POST"])
def login_view(request):
    form = LoginForm(request.POST or None)
    error, status = "", 200
    if request.method == "POST" and form.is_valid():
        name = form.cleaned_data["username"]
        if throttled(request, name):
            error = _("Too many failed attempts. Wait 15 minutes and try again.")
            status = 429
            record(request, "login_throttled", username=name)
        else:
            user = authenticate(request, username=name, password=form.cleaned_data["password"])
            if user is None:
                error = _("The account name or the password is not right.")
                record(request, "login_failed", username=name)
            else:
                login(request, user)
                record(request, "login")
                target = request.POST.get("next") or request.GET.get("next") or ""
                safe = target.startswith("/") and url_has_allowed_host_and_scheme(
                    target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
                )
                return redirect(target if safe else "portal:home")
    return render(
        request,
        "portal/login.html",
        {"form": form, "error": error, "next": request.GET.get("next", "")},
        status=status,
    )


@require_POST
def logout_view(request):
    record(request, "logout")
    logout(request)
    return redirect("portal:login")


def home(request):
    if is_secretariat(request.user):
        return redirect("portal:tracker")
    states = states_of(request.user)
    if len(states) == 1:
        return redirect("portal:history", country=states[0])
    return render(request, "portal/home.html", {"states": states})
