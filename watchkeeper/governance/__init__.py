"""The governance layer: the only code that writes or deletes biometric data, each write audited."""
