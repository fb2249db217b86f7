"""accounts pages (placeholder module, filled by its feature)."""

urlpatterns: list = []
