"""A tamper-evident audit log in the manner of Certificate Transparency (RFC 6962 / RFC 9162).

Pure logic over bytes and hashes, independent of storage.
"""
