"""What the document needs from the target profile, as plain data for the run record:
its time limits and counts (said with this target's values), who decides (owners per
vendor and requirement family, review dates) and the nightly's proof window.

Kept here so the record carries them (a document is rendered from its record alone)
and :mod:`suite.target` stays the one reader of the profile.
"""

from __future__ import annotations

import tomllib
from typing import Any

from suite.target import Target, TargetError

PROOF_WINDOW_DEFAULT = 7  # nights


def proof_window_nights(target: Target) -> int:
    """``[nightly] proof_window_nights`` of the profile (default 7): a requirement counts
    for a release when it was proved on the target within that many nights."""
    value = getattr(target, "proof_window_nights", None)  # the profile reader's own field, once it has one
    if value is None:
        try:
            data = tomllib.loads(target.source.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            data = {}
        value = data.get("nightly", {}).get("proof_window_nights", PROOF_WINDOW_DEFAULT)
    if type(value) is not int or value < 1:
        raise TargetError(f"target profile {target.source.name}: `nightly.proof_window_nights` must be a whole number "
                          "of nights, 1 or more; see targets/staging.example.toml")
    return value


def edge_seconds() -> int:
    """How far before and after a limit the depth scenarios look ("a few seconds")."""
    from steps.security.vocabulary import EDGE_SECONDS

    return EDGE_SECONDS


def facts(target: Target) -> dict[str, Any]:
    """The profile's numbers and decision-makers, for ``run.target`` of the record."""
    brands = {asset: len(b.offered) for asset, b in target.brands.items()}
    return {
        "limits": {
            "magic_link": target.magic_link_lifetime,
            "portal_session": target.portal_session_lifetime,
            "link_session": target.link_session_lifetime,
            "sign_in_window": target.sign_in_window,
            "brands_hp": brands.get("hp", 0),
            "brands_pv": brands.get("pv", 0),
            "edge": edge_seconds(),
        },
        "clock": target.has_clock,
        "owners": {"vendors": dict(target.owners.vendors), "families": dict(target.owners.families)},
        "reviews": {tag: when.isoformat() for tag, when in target.owners.reviews.items()},
        "proof_window_nights": proof_window_nights(target),
    }
