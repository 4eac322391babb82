"""One client per vendor API, each built from the target profile and the HTTP policy."""
