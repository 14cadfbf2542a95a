"""The operator web interface: server-rendered pages over the governance core, served with the API.

Operators watch live alerts and adjudicate them, analysts search galleries, auditors verify the log; each
sees only what their role may use, and the governance core refuses the rest anyway.
"""
