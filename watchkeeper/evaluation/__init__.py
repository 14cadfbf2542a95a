"""Measuring the engine on labelled images: how often its verdicts are right."""
