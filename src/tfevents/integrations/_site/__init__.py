"""Holds the sitecustomize.py that the launcher puts on PYTHONPATH (this file only makes
setuptools ship the directory)."""
