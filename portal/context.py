"""What every page's layout needs: the account's role and states, the text direction."""

from __future__ import annotations

from django.utils.translation import get_language_bidi

from portal.access import is_secretariat, states_of


def portal_context(request) -> dict:
    user = request.user
    return {
        "is_secretariat": is_secretariat(user),
        "my_states": states_of(user) if user.is_authenticated else [],
        "text_direction": "rtl" if get_language_bidi() else "ltr",
    }
