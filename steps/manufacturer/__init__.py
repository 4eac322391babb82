"""The manufacturer-initiated supplier linking: features/manufacturer_supplier_link.feature
(REQ-MAN-*).

Where what lives, by who acts in the step:

- "the manufacturer app starts/has started linking ...", "the partner backend tells/has
  told NOX ..." and "NOX answers/refuses ..." (the suite's NOX client plays the
  manufacturer's backend, and the partner backend in the hand-off ``POST
  /post-login-redirect``) -> :mod:`steps.manufacturer.api_steps`, client ``steps/clients/nox.py``;
- Alice in her browser and what she sees (choosing the energy supplier, signing in and
  coming back) -> :mod:`steps.manufacturer.browser_steps`, pages
  ``steps/pages/nox_supplier_picker.py``, ``steps/pages/supplier_oauth.py``,
  ``steps/pages/manufacturer.py``;
- the feature's words (malformed requests, hand-off keys, refusals) ->
  :mod:`steps.manufacturer.vocabulary`;
- the scenario's state (:class:`~steps.manufacturer.journey.ManufacturerFlow`, the
  ``man_flow`` fixture below) and the multi-step journeys -> :mod:`steps.manufacturer.journey`;
- checks of NOX's link-session answers, shared with the supplier flow ->
  :mod:`steps.link_sessions`; personas -> :mod:`steps.cast`; the Background "is a
  customer of the partner" -> :mod:`steps.common`.
"""

from __future__ import annotations

import pytest

from steps.manufacturer.journey import ManufacturerFlow
from suite.target import Target

pytest_plugins = ["steps.manufacturer.api_steps", "steps.manufacturer.browser_steps"]


@pytest.fixture
def man_flow(target: Target) -> ManufacturerFlow:
    """What one manufacturer scenario's steps share; a fresh one per scenario."""
    return ManufacturerFlow(target)
