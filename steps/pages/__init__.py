"""Page objects: the only place that knows the test ids of interfaces.md §1."""
