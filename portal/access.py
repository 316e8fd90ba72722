"""Which member states an account may see and act for: the one rule every view goes through.

A focal point sees only its own states; a Secretariat statistician (or an administrator)
sees all. Views never trust a state or a submission id from the request: they ask here, and
answer 404 for anything outside the account's states, so that another state's submission is
indistinguishable from one that does not exist.
"""

from __future__ import annotations

from django.http import Http404

from portal.models import Role
from schemas.contract import load_contract


def is_secretariat(user) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    profile = getattr(user, "profile", None)
    return profile is not None and profile.role == Role.SECRETARIAT


def states_of(user) -> list[str]:
    """The member states `user` may see, in the contract's order."""
    members = list(load_contract().members)
    if is_secretariat(user):
        return members
    profile = getattr(user, "profile", None) if user.is_authenticated else None
    own = set(profile.country_list) if profile else set()
    return [m for m in members if m in own]


def require_state(user, country: str) -> str:
    """`country` if `user` may act for it; 404 otherwise (never says whether it exists)."""
    code = (country or "").upper()
    if code not in states_of(user):
        raise Http404("No such member state for this account.")
    return code


def require_secretariat(user) -> None:
    if not is_secretariat(user):
        raise Http404("No such page.")
