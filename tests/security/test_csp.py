"""A Content-Security-Policy on every page, and nothing inline for it to forbid (issue 10,
section 2).

The policy (django-csp, ato/settings.py) allows scripts only from our own static files, so a
script that slipped into a page through a stored text would not run. That holds only if the
pages themselves need no inline script: every HTML page a persona opens is checked for inline
`<script>` blocks (JSON data blocks aside), `on...=` handler attributes and inline styles."""

from __future__ import annotations

import json
import logging
from html.parser import HTMLParser

import pytest

from tests.test_tenant_matrix import ROUTES, cascas_objects  # noqa: F401 (a fixture)

DIRECTIVES = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
)


class InlineCode(HTMLParser):
    """Collects what a strict policy would block: inline scripts, handler attributes, inline
    styles (`<style>` elements and `style=` attributes)."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        inline = tag == "script" and not attributes.get("src")
        if inline and attributes.get("type") != "application/json":
            self.found.append(f"<script> without src: {self.getpos()}")
        if tag == "style":
            self.found.append(f"<style>: {self.getpos()}")
        for name, _value in attrs:
            if name.startswith("on") or name.startswith("hx-on") or name == "style":
                self.found.append(f"<{tag} {name}=...>: {self.getpos()}")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def assert_strict_page(response, path: str) -> None:
    policy = response.get("Content-Security-Policy", "")
    for directive in DIRECTIVES:
        assert directive in policy, f"{path}: {directive!r} missing from {policy!r}"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert inline_code(response.content.decode()) == [], path


def html_get_routes(persona: str) -> list[str]:
    """The matrix's page routes (not the API) that this persona opens with a 200."""
    return [
        route.path.replace("{{", "{").replace("}}", "}")
        for routes in ROUTES.values()
        for route in routes
        if route.method == "get"
        and not route.api
        and route.expect.get(persona) == 200
        and not route.path.startswith("/api/schema/")  # the OpenAPI document, not a page
    ]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.parametrize("persona", ["own", "reviewer", "outsider", "anon"])
def test_every_page_a_persona_opens_carries_the_policy_and_no_inline_code(
    persona,
    personas,
    client,
    cascas_objects,  # noqa: F811
):
    if persona != "anon":
        client.force_login(personas[persona])
    pages = 0
    for template in html_get_routes(persona):
        path = template.format(**cascas_objects)
        response = client.get(path)
        if not response["Content-Type"].startswith("text/html"):
            continue  # exports, uploaded files (those carry `sandbox`)
        assert_strict_page(response, path)
        pages += response.status_code == 200  # tests/test_tenant_matrix.py checks the status
    assert pages >= (1 if persona in {"outsider", "anon"} else 15)


def test_the_pages_outside_the_matrix_carry_the_policy_and_no_inline_code(
    client,
    staff_a,
    cascas_objects,  # noqa: F811
):
    client.force_login(staff_a)
    # A visit's printable acta, the district list as a reviewer filters it, the error pages.
    for path in [
        f"/visitas/{cascas_objects['visit']}/acta/",
        "/distritos/999999/",
        "/evidencias/999999/archivo/",
    ]:
        response = client.get(path)
        assert response.status_code in {200, 404}, path
        assert_strict_page(response, path)


def test_the_admin_login_page_works_under_the_policy(client, db):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert_strict_page(response, "/admin/login/")


def test_swagger_ui_loads_its_init_script_from_a_url(client, db):
    response = client.get("/api/docs/")
    assert_strict_page(response, "/api/docs/")
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/territory/user/",
        "/admin/territory/user/add/",
        "/admin/jass_registry/jass/",
        "/admin/jass_registry/jass/{jass}/change/",
        "/admin/incentives/goal/",
        "/admin/incentives/evidence/{evidence}/change/",
        "/admin/territory/districtcategory/importar/",
    ],
)
def test_the_admin_works_under_the_policy(path, admin_client, cascas_objects):  # noqa: F811
    path = path.format(**cascas_objects)
    response = admin_client.get(path)
    assert response.status_code == 200, path
    assert_strict_page(response, path)


def test_a_violation_report_is_logged_and_answered_204(client, caplog, db):
    report = {
        "csp-report": {
            "document-uri": "http://testserver/metas/",
            "violated-directive": "script-src-elem",
            "blocked-uri": "inline",
        }
    }
    with caplog.at_level(logging.WARNING, logger="ato.csp"):
        response = client.post(
            "/csp-report/", json.dumps(report), content_type="application/csp-report"
        )
    assert response.status_code == 204
    assert "script-src-elem" in caplog.text and "inline" in caplog.text


def test_a_violation_report_is_bounded_and_only_posted(client, caplog, db):
    huge = '{"csp-report": {"violated-directive": "' + "x" * 20_000 + '"}}'
    with caplog.at_level(logging.WARNING, logger="ato.csp"):
        response = client.post("/csp-report/", huge, content_type="application/csp-report")
    assert response.status_code == 204 and "CSP violation" not in caplog.text
    broken = client.post("/csp-report/", "{not json", content_type="application/json")
    assert broken.status_code == 204
    assert client.get("/csp-report/").status_code == 405
