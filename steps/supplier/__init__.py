"""The supplier-initiated device link: features/supplier_device_link.feature (REQ-SUP-*).

Where what lives, by who acts in the step:

- "the partner backend starts/has started linking ..." and "NOX answers/refuses ..."
  (the suite's NOX client plays the partner backend; all of "the partner starts a link
  session") -> :mod:`steps.supplier.api_steps`, client ``steps/clients/nox.py``;
- Alice in her browser and what she sees (NOX's Authenticator UI, signing in at the
  manufacturer, time and reuse, the partner's callback) -> :mod:`steps.supplier.browser_steps`,
  pages ``steps/pages/nox.py``, ``steps/pages/partner.py``, ``steps/pages/partner_devices.py``;
- the feature's words (kinds of device, brands, malformed requests) ->
  :mod:`steps.supplier.vocabulary`; the link data (reading, decoding, breaking it) ->
  :mod:`steps.supplier.callback`;
- the scenario's state (:class:`~steps.supplier.journey.SupplierFlow`, the ``sup_flow``
  fixture below) and the multi-step journeys -> :mod:`steps.supplier.journey`;
- checks of NOX's link-session answers, shared with the manufacturer flow ->
  :mod:`steps.link_sessions`; personas and the partner sign-in -> :mod:`steps.cast`;
  the Background "is a customer of the partner" -> :mod:`steps.common`.
"""

from __future__ import annotations

import pytest

from steps.supplier.journey import SupplierFlow
from suite.target import Target

pytest_plugins = ["steps.supplier.api_steps", "steps.supplier.browser_steps"]


@pytest.fixture
def sup_flow(target: Target) -> SupplierFlow:
    """What one supplier scenario's steps share; a fresh one per scenario."""
    return SupplierFlow(target)
