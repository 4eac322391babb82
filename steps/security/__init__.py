"""Depth: what attackers and off-by-ones break: features/security_depth.feature (REQ-SEC-*).

Where what lives, by requirement:

- SEC-01 (``next`` spellings), SEC-02, SEC-03 and SEC-06 (magic link, portal session
  and access token at both edges), SEC-07 and SEC-08 at the portal, SEC-09 (a link in
  another customer's browser), SEC-12 for magic links -> :mod:`steps.security.portal_steps`, pages
  ``steps/pages/portal.py`` and ``steps/pages/cookies.py``, client ``steps/clients/nomos.py``;
- SEC-07 and SEC-08 at the partner app, SEC-10 (two users at once), SEC-11 (forms sent
  straight to their server), SEC-14 (a refusal stores nothing) ->
  :mod:`steps.security.partner_steps`, pages ``steps/pages/partner.py``,
  ``steps/pages/direct_form.py``, ``steps/pages/partner_stored.py``;
- SEC-11 at a manufacturer, SEC-12 for link tokens and sign-in sessions, SEC-13 (every
  brand offered); SEC-04 and SEC-05 (NOX's windows at both edges) use the flows' steps ->
  :mod:`steps.security.nox_steps`, client ``steps/clients/nox.py``;
- the Background and "the clock reaches a few seconds before/after ..." ->
  :mod:`steps.security.shared_steps`;
- the feature's words (spellings, limits, what makes a token guessable) ->
  :mod:`steps.security.vocabulary`; the scenario's state
  (:class:`~steps.security.journey.SecurityState`, the ``sec`` fixture below) and the
  journeys -> :mod:`steps.security.journey`.

Most scenarios also use steps of the flow packages (``steps.sso``, ``steps.supplier``,
``steps.manufacturer``) where the feature says the same thing as theirs.
"""

from __future__ import annotations

import pytest

from steps.security.journey import SecurityState
from suite.target import Target

pytest_plugins = [
    "steps.security.shared_steps",
    "steps.security.portal_steps",
    "steps.security.partner_steps",
    "steps.security.nox_steps",
]


@pytest.fixture
def sec(target: Target) -> SecurityState:
    """What one depth scenario's steps share; a fresh one per scenario."""
    return SecurityState(target)
