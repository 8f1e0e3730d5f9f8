"""The one privilege rule for acting on another account.

Nobody may obtain a set-up or reset link for, sign off, or unlock an account at their own
privilege level or above, nor their own account: otherwise a coordinator could take over a
fellow coordinator, sign off their own competency, or an admin could set a coordinator's
password and read health records as them. Every such action asks `may_act_on` (views 404
rather than 403, so another account's existence is not confirmed).

Set-up links of accounts that may read health records (coordinators, commissioners,
admins) are never shown to anyone: they go to the person's own email address. Peer and
pharmacy links may be shown to their coordinator, who already sees their records.
"""

from ..models import User

# Higher sees more. A commissioner reads the whole area's monitoring; an admin creates
# coordinators.
LEVELS = {"peer": 1, "pharmacy": 1, "carrier": 1, "coordinator": 2, "commissioner": 2, "admin": 3}
# Field accounts see only their own records, which their coordinator sees anyway.
LINK_SHOWN_TO_ISSUER = ("peer", "pharmacy", "carrier")


def may_act_on(actor: User, target: User) -> bool:
    """True when `actor` ranks strictly above `target` and they are different people."""
    return actor.id != target.id and LEVELS.get(actor.role, 0) > LEVELS.get(target.role, 0)


def link_goes_by_email(target: User) -> bool:
    """True when `target`'s set-up link must go to them by email, never to a screen."""
    return target.role not in LINK_SHOWN_TO_ISSUER
