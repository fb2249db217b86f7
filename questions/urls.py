"""URL patterns of the app (filled by its pages and API)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
