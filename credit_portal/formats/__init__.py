"""Date formats of the portal's languages where Django's own do not suit a bureau's documents
(FORMAT_MODULE_PATH). Simplified Chinese keeps Django's (2026年7月10日)."""
