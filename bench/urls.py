"""The app's URLs plus `/bench/floor/...`: the floors the endpoints are measured against."""

from django.urls import include, path

from ato.urls import handler404  # noqa: F401  (the JSON 404 under /api/ stays)

from . import floor

urlpatterns = [
    path("bench/floor/districts/", floor.districts),
    path("bench/floor/jass/", floor.jass),
    path("bench/floor/runs/<int:pk>/results/", floor.run_results),
    path("", include("ato.urls")),
]
