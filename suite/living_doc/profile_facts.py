"""What the document needs from the target profile, as plain data for the run record:
its time limits and counts (said with this target's values), who decides (owners per
vendor and requirement family, review dates) and the nightly's proof window.

Kept here so the record carries them (a document is rendered from its record alone)
and :mod:`suite.target` stays the one reader of the profile.
"""

from __future__ import annotations

from typing import Any

from suite.target import EDGE_SECONDS, Target

PROOF_WINDOW_DEFAULT = 7  # nights, for a record written before the window was recorded



def proof_window_nights(target: Target) -> int:
    """``[nightly] proof_window_nights`` of the profile (default 7; suite/target.py refuses
    a bad one before the run): a requirement counts for a release when it was proved on
    the target within that many nights."""
    return target.proof_window_nights


def edge_seconds() -> int:
    """How far before and after a limit the depth scenarios look ("a few seconds")."""
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
