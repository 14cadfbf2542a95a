"""The REST API's routes, one module per concept of the governance core."""
