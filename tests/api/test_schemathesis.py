"""Property-based API test: schemathesis against the app's own OpenAPI document.

A bounded, deterministic run (``derandomize``, 20 positive and 10 negative
examples per operation) against a real uvicorn server on loopback, with a
write key (write implies read, so every operation is reachable). It fails on
any 5xx and on any response that does not match its documented schema,
status code, content type or headers. Negative (schema-violating) requests
must be refused with a documented 4xx, never a 500.
"""

import shutil

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode, checks

from tests.api.conftest import live_server, make_settings

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]


def _schema():
    from touchpath.api.main import create_app
    from touchpath.api.settings import Settings

    return schemathesis.openapi.from_dict(create_app(Settings(db=":memory:")).openapi())


SCHEMA = _schema()
OPERATIONS = [r.ok() for r in SCHEMA.get_all_operations()]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory, seeded_db, keys):
    from touchpath.api.main import create_app

    db = tmp_path_factory.mktemp("st") / "wh.duckdb"
    shutil.copyfile(seeded_db, db)
    with live_server(create_app(make_settings(db, keys))) as base:
        yield base


@pytest.mark.parametrize(
    ("operation", "mode", "n"),
    [(op, mode, n) for op in OPERATIONS
     for mode, n in ((GenerationMode.POSITIVE, 20), (GenerationMode.NEGATIVE, 10))
     # an operation without parameters or body has no schema-violating request
     if mode is GenerationMode.POSITIVE or list(op.iter_parameters()) or op.body],
    ids=lambda v: v.label if hasattr(v, "label") else getattr(v, "value", str(v)),
)
def test_api_conforms_to_its_openapi(operation, mode, n, base_url, keys):
    headers = keys.headers("write")

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=n, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case):
        case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS, timeout=30)

    run()
