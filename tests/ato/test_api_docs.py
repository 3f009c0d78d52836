"""The OpenAPI schema and its docs page, served without a CDN."""


def test_the_schema_and_docs_are_served_offline(reviewer, client):
    client.force_login(reviewer)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/districts/" in schema.content
    docs = client.get("/api/docs/").content.decode()
    assert "drf_spectacular_sidecar" in docs and "cdn" not in docs.lower()
