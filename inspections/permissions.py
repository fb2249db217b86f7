"""Permission codenames of the inspections app, as the views, the API and the roles name them
(granted in migration 0002)."""

from enum import StrEnum


class InspectionPerm(StrEnum):
    VIEW_ITEM = "inspections.view_inspectionitem"
    CHANGE_ITEM = "inspections.change_inspectionitem"
    VIEW_INSPECTOR = "inspections.view_inspector"
    CHANGE_INSPECTOR = "inspections.change_inspector"
    RECORD_RECUSAL = "inspections.add_recusal"
    VIEW_RECUSAL = "inspections.view_recusal"
    CHANGE_RECUSAL = "inspections.change_recusal"
    ADD_PLAN = "inspections.add_samplingplan"
    ADD_ITEM = "inspections.add_inspectionitem"
    ADD_INSPECTOR = "inspections.add_inspector"
    VIEW_PLAN = "inspections.view_samplingplan"
    CHANGE_PLAN = "inspections.change_samplingplan"
    APPROVE_PLAN = "inspections.approve_samplingplan"
    VIEW_DRAW = "inspections.view_draw"
    RUN_DRAW = "inspections.run_draw"
    VIEW_INSPECTION = "inspections.view_inspection"
    RECORD = "inspections.record_inspection"
    REVIEW = "inspections.review_inspection"
    VIEW_LEAD = "inspections.view_lead"
    HANDLE_LEAD = "inspections.handle_lead"
