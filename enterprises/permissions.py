from enum import StrEnum


class EnterprisePerm(StrEnum):
    VIEW = "enterprises.view_enterprise"
    ADD = "enterprises.add_enterprise"
    CHANGE = "enterprises.change_enterprise"
    CHANGE_STATUS = "enterprises.change_enterprise_status"
    OVERRIDE_USCC_CHECK = "enterprises.override_uscc_check"
    IMPORT = "enterprises.import_enterprises"
    EXPORT = "enterprises.export_enterprises"
    ISSUE_ACTIVATION_CODE = "enterprises.issue_activation_code"
    VIEW_RISK = "enterprises.view_risk"
    VIEW_RECORDS = "enterprises.view_creditrecord"
    ADD_RECORD = "enterprises.add_creditrecord"
