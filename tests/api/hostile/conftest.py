"""The hostile-input suite of the HTTP surface: requests built to break the server, not to use it.

Oversize integers in paths, queries and headers, deeply nested JSON, sources a run may not listen to,
floods of failed sign-ins, and a server whose disk is full: each must be answered with a 4xx (or a 503
when the server cannot store) in the documented shape of the protocol spoken (REST, Rekognition's or
the web pages'), and change nothing stored. Floods are bounded and everything stays on loopback.
"""
