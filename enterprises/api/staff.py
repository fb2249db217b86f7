"""staff API (placeholder module, filled by its feature)."""

urlpatterns: list = []
