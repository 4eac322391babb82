"""The suite's pytest harness: the target and its seam (embedded sandbox or remote
deployment), the HTTP policy, contract fuzzing under it, the browser, evidence,
redaction, reports, the living document and the fault matrix.

Step definitions, their page objects and API clients live in ``steps/``; nothing here
knows a step's wording.
"""
