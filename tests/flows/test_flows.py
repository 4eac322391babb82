"""Binds every scenario of features/ as a test. Step definitions live in steps/."""

from pytest_bdd import scenarios

scenarios(".")
