"""The pages' patterns, gathered from the areas (`inspections.urls` mounts them)."""

from inspections.views import catalogue, draws, glance, leads, leads_public, me, plans, public, work

AREAS = (glance, plans, catalogue, draws, work, leads, public, leads_public, me)

staff_urlpatterns = [p for a in AREAS for p in a.staff_urlpatterns]
public_urlpatterns = [p for a in AREAS for p in a.public_urlpatterns]
me_urlpatterns = [p for a in AREAS for p in a.me_urlpatterns]
