"""The web interface's pages, one module per part of the work."""
