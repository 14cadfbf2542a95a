"""A Rekognition-compatible endpoint: Amazon Rekognition's face operations over its own wire protocol.

Programs written against Rekognition (any AWS SDK) work against Watchkeeper by changing the endpoint and the
keys: JSON 1.1 over ``POST /`` with ``X-Amz-Target: RekognitionService.<Operation>``, signed with AWS
Signature Version 4 using an access key Watchkeeper issued. Behind the protocol every operation is the
governance core's: collections are galleries, indexing is audited enrolment, searches are recorded and
tied to a case, roles are the core's roles. What differs from AWS is documented in docs/api.md.
"""
