"""Transparency reports and draft Freedom of Information answers, computed only from the records.

:mod:`.figures` computes one typed model from the audit log, the register and the FOI log;
:mod:`.foi_answers` drafts answers to standard questions from the same figures; :mod:`.layout` turns
either into blocks that :mod:`.markdown` and :mod:`.pdf` render; :mod:`.spreadsheet` writes CSV.
"""
