"""Why a person may be in a gallery: the categories of the College of Policing's guidance on watchlists.

A closed list, so who can be enrolled is decided by policy, not left to each officer's discretion (the
defect the Court of Appeal found in Bridges v South Wales Police, 2020).
"""

from __future__ import annotations

from enum import StrEnum


class SubjectCategory(StrEnum):
    WANTED_BY_COURTS = "wanted_by_courts"
    """Subject to a warrant or otherwise wanted by the courts."""
    SUSPECTED_OFFENCE = "suspected_offence"
    """Suspected of having committed an offence, or of being about to."""
    BAIL_OR_ORDER_CONDITIONS = "bail_or_order_conditions"
    """Subject to bail conditions, a court order or other restriction the deployment can help enforce."""
    MISSING_OR_VULNERABLE = "missing_or_vulnerable"
    """Missing, or at risk of harm (for their own protection)."""
    RISK_TO_OTHERS = "risk_to_others"
    """Presents a risk of harm to themselves or others."""
    VICTIM_OR_WITNESS = "victim_or_witness"
    """A victim of an offence or a witness, where the force's policy allows and the reason is recorded."""
    CLOSE_ASSOCIATE = "close_associate"
    """A close associate of a person in one of the other categories, where the policy allows."""
