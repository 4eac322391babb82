"""The sweep (issue 21): every endpoint and page the suite can reach (``surface``),
every check class a standard binds to them (``classes``), and the coverage table of
the two (``coverage``; ``python -m suite.sweep`` writes docs/sweep-coverage.md).
The probes themselves are tests/sweep/."""
