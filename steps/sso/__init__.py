"""The portal single sign-on flow: features/portal_sso.feature (REQ-SSO-*).

Where what lives, by who acts in the step:

- "the partner backend ..." and "Nomos answers/refuses ..." (the suite's Nomos client
  plays the partner backend; all of "minting at Nomos", and the minted link the
  browser scenarios start from) -> :mod:`steps.sso.api_steps`, client ``steps/clients/nomos.py``;
- Alice in her browser, what she sees, time passing (into the portal, one link once,
  the portal session) -> :mod:`steps.sso.browser_steps`, pages ``steps/pages/partner.py``
  and ``steps/pages/portal.py``;
- the feature's words (forged links and tokens, bad input, destinations, error codes)
  -> :mod:`steps.sso.vocabulary`;
- the scenario's state (:class:`~steps.sso.journey.SsoState`, the ``sso`` fixture below)
  and the multi-step journeys -> :mod:`steps.sso.journey`;
- personas and the partner sign-in -> :mod:`steps.cast`; "N minutes pass" -> :mod:`steps.common`.
"""

from __future__ import annotations

import pytest

from steps.sso.journey import SsoState
from suite.target import Target

pytest_plugins = ["steps.sso.api_steps", "steps.sso.browser_steps"]


@pytest.fixture
def sso(target: Target) -> SsoState:
    """What one SSO scenario's steps share; a fresh one per scenario."""
    return SsoState(target)
