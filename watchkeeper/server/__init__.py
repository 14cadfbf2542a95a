"""The HTTP server: :mod:`.app` composes the REST API, the Rekognition-compatible endpoint and the web pages
around one governance core; the other modules are what those adapters share (server state, configuration,
errors and their statuses, request limits, request inputs, the alert feed) and the in-thread server.

The adapters sit between the two: they import the shared modules and never each other, and only
:mod:`.app` imports them (the import contract in ``make lint`` checks it).
"""
