"""What `migstats portal` and `migstats users` do: prepare Django's tables and static files,
serve with gunicorn, and manage accounts from the command line."""

from __future__ import annotations

import os
import subprocess
import sys

DEFAULT_BIND = "127.0.0.1:8000"


def setup() -> None:
    """Django configured for the store in the environment (call before any model import)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()


def prepare() -> None:
    """Create or migrate the portal's tables, and gather the static files whitenoise serves."""
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)


def serve(bind: str = DEFAULT_BIND, workers: int = 2) -> int:
    """gunicorn in the foreground: a production server, with static files from whitenoise."""
    from portal.services import contract

    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    # longer than the validator's own time limit, which answers with a sentence
    timeout = int(contract().limits.validation_seconds) + 60
    return subprocess.call(
        [
            gunicorn,
            "portal.wsgi:application",
            "--bind", bind,
            "--workers", str(workers),
            "--timeout", str(timeout),
            "--access-logfile", "-",
        ]
    )  # fmt: skip


def add_user(
    username: str,
    password: str,
    *,
    role: str,
    countries: list[str],
    full_name: str = "",
    admin: bool = False,
) -> str:
    """Create or update an account; returns a sentence saying what was done."""
    from django.contrib.auth.models import User
    from django.contrib.auth.password_validation import validate_password

    from portal.models import Profile, Role
    from portal.services import contract

    if role not in Role.values:
        raise ValueError(f"role must be one of {', '.join(Role.values)}, not {role!r}")
    members = contract().members
    unknown = [c for c in countries if c.upper() not in members]
    if unknown:
        raise ValueError(f"not member states: {', '.join(unknown)}")
    # Without Django's stubs mypy reads a TextChoices member as its (value, label) tuple.
    if role == Role.FOCAL_POINT and not countries:  # type: ignore[comparison-overlap]
        raise ValueError("a focal point acts for at least one member state (--country KEN)")
    user, created = User.objects.get_or_create(username=username)
    validate_password(password, user)
    user.set_password(password)
    first, _, last = full_name.partition(" ")
    user.first_name, user.last_name = first, last
    user.is_active = True
    user.is_staff = user.is_superuser = admin
    user.save()
    Profile.objects.update_or_create(
        user=user, defaults={"role": role, "countries": " ".join(c.upper() for c in countries)}
    )
    verb = "created" if created else "updated"
    scope = ", ".join(c.upper() for c in countries) or "every member state"
    return f"Account {username} {verb}: {Role(role).label} for {scope}."


def disable_user(username: str) -> str:
    from django.contrib.auth.models import User
    from django.contrib.sessions.models import Session

    user = User.objects.filter(username=username).first()
    if user is None:
        raise ValueError(f"there is no account {username!r}")
    user.is_active = False
    user.save()
    # end its open sessions now, not when they expire
    for session in Session.objects.all():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
    return f"Account {username} disabled; its sessions are ended."
