"""The pages' patterns (`questions.urls` mounts them)."""

from questions.views import faq, public, staff

staff_urlpatterns = [*staff.staff_urlpatterns, *faq.faq_urlpatterns]
public_urlpatterns = public.public_urlpatterns
