"""Step definitions, their page objects and API clients. From a requirement ID
(``REQ-SSO-*``, ``REQ-SUP-*``, ``REQ-MAN-*``): its scenarios are tagged with it in
``features/``; its steps are in the flow's package, whose docstring says which module
holds what:

- ``steps/sso/``: features/portal_sso.feature;
- ``steps/supplier/``: features/supplier_device_link.feature;
- ``steps/manufacturer/``: features/manufacturer_supplier_link.feature.

Each flow package: ``api_steps.py`` (the suite's client plays a backend),
``browser_steps.py`` (a person in a browser), ``journey.py`` (the scenario's state and
multi-step sequences), ``vocabulary.py`` (the feature's words mapped to values and
requests); the package itself provides the flow-state fixture and loads its step modules.

Shared: ``cast.py`` (personas, languages, the partner sign-in), ``common.py`` (the
scenario's browsers, steps every flow uses, time passing), ``link_sessions.py`` (checks
of NOX's link-session answers, for both NOX flows), ``pages/`` (one page object per
page: they own the selectors; ``direct_form.py`` sends a page's form as it stands, for
the security probes), ``clients/`` (one client per vendor API, and their fixtures: they
build every request to a vendor API; ``cast.py`` posts the partner app's sign-in form).
"""
