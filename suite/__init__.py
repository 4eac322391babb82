"""The suite's pytest harness: the target and its seam (embedded sandbox or remote
deployment), the HTTP policy, contract fuzzing under it, the browser, evidence,
redaction, reports, the living document and the fault matrix.

Step definitions, their page objects and API clients live in ``steps/``; nothing here
knows a step's wording.
"""

import sys as _sys

if _sys.argv[:1] == ["-m"]:  # `python -m suite.…` (argv[0] is "-m" while Python finds the module)
    from suite.interpreter import refuse_without_dependencies

    refuse_without_dependencies()
