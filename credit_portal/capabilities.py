"""What the portal does today, as the login page's panel promises it.

The panel once promised classification, inspections, enforcement and annual reports, none of
which existed. Now it lists only capabilities that apps declare from their `ready()`, the way
they declare their ledger kinds and audit event types (docs/architecture.md, "Apps and
dependencies"): an app that gains a feature declares it and the panel grows, with no edit here
or in the template. Each capability names the page where it is used (`url_name`);
tests/credit_portal/test_front_door.py reverses every one, so the panel cannot promise a page
that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class Capability:
    key: str
    title: str | Promise  # one line of the login page's panel, in the user's language
    url_name: str  # the page where it is used; it must resolve
    order: int  # place in the panel, smallest first


_DECLARED: dict[str, Capability] = {}


def capability_declare(key: str, title: str | Promise, *, url_name: str, order: int) -> None:
    """Declare a capability the portal offers today (from an app's `ready()`).

    Rules: one declaration per key; declaring a key again replaces it (a reloaded app).
    Side effects: none beyond the registry.
    """
    _DECLARED[key] = Capability(key=key, title=title, url_name=url_name, order=order)


def capabilities() -> list[Capability]:
    """The declared capabilities in panel order."""
    return sorted(_DECLARED.values(), key=lambda c: (c.order, c.key))
