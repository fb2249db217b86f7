"""Permission codenames of the enforcement app, as the views, the API and the roles name them."""

from enum import StrEnum


class RemediationPerm(StrEnum):
    VIEW_PENALTY = "remediation.view_penaltydecision"
    ADD_PENALTY = "remediation.add_penaltydecision"
    CHANGE_PENALTY = "remediation.change_penaltydecision"
    RECORD_PENALTY = "remediation.record_penaltydecision"
    PUBLISH_PENALTY = "remediation.publish_penaltydecision"
    VIEW_SOFT_ACTION = "remediation.view_softaction"
    ADD_SOFT_ACTION = "remediation.add_softaction"
    CHANGE_SOFT_ACTION = "remediation.change_softaction"
    APPROVE_SOFT_ACTION = "remediation.approve_softaction"
    SERVE_SOFT_ACTION = "remediation.serve_softaction"
    VIEW_REPAIR = "remediation.view_repairapplication"
    DECIDE_REPAIR = "remediation.decide_repairapplication"
    EXPORT_REPAIR_SYNC = "remediation.export_repairsync"
    # Objections to listings and the serious list (issue 15): reading them, and deciding (the
    # directory's own decision codename: accept, verify, decide an objection; record a paper one).
    VIEW_OBJECTION = "remediation.view_listingobjection"
    DECIDE_OBJECTION = "remediation.decide_directorycase"
    VIEW_SERIOUS = "remediation.view_seriouslisting"
    VIEW_DIRECTORY = "remediation.view_directorycase"
    DECIDE_DIRECTORY = "remediation.decide_directorycase"
