"""The REST API over the governance core, and a Rekognition-compatible endpoint: adapters mounted by
:mod:`watchkeeper.server.app`.

Every route resolves its caller to a registered user (an access key), then calls the same governance
functions the command line calls: refusals, audit entries and privacy rules are the core's, not the API's.
"""
