"""Live facial recognition: frames -> detection -> tracks -> best shots -> watchlist matches -> alerts.

:mod:`.pipeline` turns frames into matches and keeps nothing else; :mod:`.runner` runs a deployment on a
source, writing only the alerts (through the governance layer) and the counts.
"""
