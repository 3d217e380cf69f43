"""The OpenAPI description lists exactly the API's routes."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

DOC = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"


def test_openapi_paths_match_the_routes(app):
    spec = yaml.safe_load(DOC.read_text(encoding="utf-8"))
    documented = set()
    for path, item in spec["paths"].items():
        for method in item:
            if method in ("get", "put", "post", "delete", "patch"):
                documented.add((method.upper(), "/api/v1" + re.sub(r"\{(\w+)\}", r"<\1>", path)))
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", rule.rule).replace("<assignment_id>", "<id>")
            routes |= {(m, path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == routes
