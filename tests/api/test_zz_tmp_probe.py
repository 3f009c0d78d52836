import pytest

from tests.conftest import api_client_for

CASES = [
    ("/api/v1/districts/", {"year": "²"}),
    ("/api/v1/districts/131101/", {"year": "²"}),
    ("/api/v1/districts/", {"year": "٢٠١٧"}),
    ("/api/v1/districts/", {"year": "99999999999999999999"}),
    ("/api/v1/districts/", {"year": "1e400"}),
    ("/api/v1/districts/", {"year": "NaN"}),
    ("/api/v1/districts/", {"year": "-1"}),
    ("/api/v1/districts/", {"q": "a\x00b"}),
    ("/api/v1/districts/", {"q": "\x00"}),
    ("/api/v1/districts/", {"q": "12\x00"}),
    ("/api/v1/districts/", {"department": "\x00"}),
    ("/api/v1/districts/", {"category": "\x00"}),
    ("/api/v1/districts/", {"ordering": "\x00"}),
    ("/api/v1/districts/", {"page": "99999999999999999999999"}),
    ("/api/v1/districts/", {"page_size": "99999999999999999999999"}),
    ("/api/v1/districts/", {"page": "-1"}),
    ("/api/v1/districts/", {"q": "%"}),
    ("/api/v1/districts/", {"q": "_"}),
    ("/api/v1/districts/", {"q": "\ud800"}),
    ("/api/v1/districts/", {"q": "x" * 5000}),
    ("/api/v1/districts/", {"q": "¹²³"}),
    ("/api/v1/districts/", {"q": "١٢٣"}),
    ("/api/v1/districts/", {"ordering": "-jass_count,name"}),
    ("/api/v1/districts/", {"ordering": "category"}),
    ("/api/v1/districts/", {"year": "2017", "ordering": "-active_jass_count"}),
]


@pytest.mark.parametrize("path,params", CASES)
def test_probe(reviewer, path, params):
    client = api_client_for(reviewer)
    client.raise_request_exception = False
    r = client.get(path, params)
    print(path, params, r.status_code, r.content[:150])
    assert r.status_code < 500
