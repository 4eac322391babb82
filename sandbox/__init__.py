"""The embedded sandbox: local, faithful implementations of every party the suite talks to.

``sandbox.start()`` serves them all in-process; ``python -m sandbox`` serves them for
a person to click through.
"""

from sandbox.server import Sandbox, SandboxStartError, start

__all__ = ["Sandbox", "SandboxStartError", "start"]
