import pytest


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so that fixtures can tell a failed test
    (the browser fixtures then save a -FAILED.png screenshot)."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
