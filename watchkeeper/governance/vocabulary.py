"""The closed vocabularies of the register and the FOI log, apart from their services so that the
schema's columns can hold their members (the services import the schema)."""

from __future__ import annotations

from enum import StrEnum


class TechnologyCategory(StrEnum):
    LIVE_FACIAL_RECOGNITION = "live_facial_recognition"
    RETROSPECTIVE_FACIAL_RECOGNITION = "retrospective_facial_recognition"
    OPERATOR_INITIATED_FACIAL_RECOGNITION = "operator_initiated_facial_recognition"
    FACIAL_COMPOSITE = "facial_composite"
    GEOGRAPHIC_PREDICTIVE_POLICING = "geographic_predictive_policing"
    INDIVIDUAL_RISK_ASSESSMENT = "individual_risk_assessment"
    OTHER = "other"


class UseStage(StrEnum):
    PLANNED = "planned"
    TRIAL = "trial"
    ONGOING = "ongoing"


class DocumentKind(StrEnum):
    POLICY = "policy"
    STANDARD_OPERATING_PROCEDURE = "sop"
    DATA_PROTECTION_IMPACT_ASSESSMENT = "dpia"
    EQUALITY_IMPACT_ASSESSMENT = "eia"
    OTHER = "other"


class ContactKind(StrEnum):
    MEETING = "meeting"
    CORRESPONDENCE = "correspondence"


class FoiStatus(StrEnum):
    AWAITING_DETAILS = "awaiting_details"
    """Invalid as received (no name or no address): the clock has not started."""
    OPEN = "open"
    ANSWERED = "answered"


class FoiProvision(StrEnum):
    """Sections of the Act an answer may rely on to refuse or to neither confirm nor deny."""

    COST_LIMIT = "s12"
    VEXATIOUS = "s14"
    ACCESSIBLE_BY_OTHER_MEANS = "s21"
    FUTURE_PUBLICATION = "s22"
    SECURITY_BODIES = "s23(1)"
    SECURITY_BODIES_NCND = "s23(5)"
    NATIONAL_SECURITY = "s24(1)"
    NATIONAL_SECURITY_NCND = "s24(2)"
    INVESTIGATIONS = "s30(1)"
    INVESTIGATIONS_NCND = "s30(3)"
    LAW_ENFORCEMENT = "s31(1)"
    LAW_ENFORCEMENT_NCND = "s31(3)"
    HEALTH_AND_SAFETY = "s38(1)"
    HEALTH_AND_SAFETY_NCND = "s38(2)"
    PERSONAL_DATA = "s40(2)"
    PERSONAL_DATA_NCND = "s40(5)"
    COMMERCIAL_INTERESTS = "s43(2)"
    COMMERCIAL_INTERESTS_NCND = "s43(3)"

    @property
    def neither_confirm_nor_deny(self) -> bool:
        """True for the subsections that exclude the duty to confirm or deny that information is held."""
        return self.name.endswith("_NCND")
