"""The pages' patterns (`questions.urls` mounts them)."""

from questions.views import public, staff

staff_urlpatterns = staff.staff_urlpatterns
public_urlpatterns = public.public_urlpatterns
