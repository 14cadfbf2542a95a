"""Watchkeeper: open, accountable facial recognition.

The face engine lives in :mod:`watchkeeper.face`; the command line in :mod:`watchkeeper.cli`.
"""

__version__ = "0.1.0"
