"""Schemathesis hooks for `make openapi-check` (scripts/openapi-check), loaded through
SCHEMATHESIS_HOOKS. What each one is for is in ARCHITECTURE.md ("The OpenAPI documents").
"""

import ast
import base64
import json
import os
import subprocess
import threading

import schemathesis
from hypothesis import strategies as st

# CPython 3.11 builds AST objects with interpreter-wide state that two threads parsing at once
# corrupt ("AST constructor recursion depth mismatch"); hypothesis parses source to describe
# lambdas, and `--workers 2` runs two operations in threads. One parse at a time.
_parse = ast.parse
_parse_lock = threading.Lock()


def _locked_parse(*args, **kwargs):
    with _parse_lock:
        return _parse(*args, **kwargs)


ast.parse = _locked_parse


def control_digit(first11):
    """The control digit of a BIN or IIN (egov_kernel::Bin): weights 1..11, then 3..11, 1, 2;
    None when the second sum is 10 too (such a number is never issued)."""

    def weighted(offset):
        return sum(d * ((i + offset) % 11 + 1) for i, d in enumerate(first11)) % 11

    c = weighted(0)
    if c == 10:
        c = weighted(2)
    return None if c == 10 else c


def _bin(first11):
    c = control_digit(first11)
    return None if c is None else "".join(map(str, first11)) + str(c)


# `format: kz-bin`: twelve digits whose control digit holds.
schemathesis.openapi.format(
    "kz-bin",
    st.lists(st.integers(0, 9), min_size=11, max_size=11).map(_bin).filter(lambda b: b is not None),
)

# Problem types a positive (schema-valid) request may be refused with at 422 although it
# names no rule of the law: the state of the caller's own earlier requests, not the request.
_STATEFUL_422 = {"urn:egov:problem:idempotency-key-reused"}


@schemathesis.check
def refusal_names_its_rule(ctx, response, case):
    """A schema-valid request refused with 422 is refused by a rule of the law that no JSON
    Schema can state (weights summing to 100, a date in force, a step out of order): the
    problem names that rule (`rule`, or one per entry of `errors`). A 422 naming none would be
    a hidden rule of the request's shape, which belongs in the schema (or is a 400)."""
    meta = case.meta
    if response.status_code != 422 or meta is None or not meta.generation.mode.is_positive:
        return None
    try:
        problem = json.loads(response.content)
    except ValueError:
        raise AssertionError("a 422 without a problem document") from None
    if problem.get("type") in _STATEFUL_422:
        return None
    errors = problem.get("errors") or []
    named = problem.get("rule") or (errors and all(e.get("rule") for e in errors))
    if not named:
        raise AssertionError(
            f"422 naming no rule of the law for a schema-valid request: {response.content[:300]!r}"
        )
    return None


@schemathesis.hook
def map_case(ctx, case):
    """The search's `cursor` is opaque and bound to its query and filters: only a previous page
    of the same search gives one, so a generated one is never valid and is not sent in a
    positive case (a malformed one still is, in negative cases, where 400 is expected). And the
    bridge's documents are signed (`_sign_case`, below)."""
    meta = case.meta
    if (
        case.operation.path == "/api/v1/search"
        and case.query
        and "cursor" in case.query
        and meta is not None
        and meta.generation.mode.is_positive
    ):
        case.query = {k: v for k, v in case.query.items() if k != "cursor"}
    return _sign_case(case)


def _varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _field(number, payload):
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _bytes(v):
    if not isinstance(v, str):
        return b""
    try:
        return base64.b64decode(v, validate=True)
    except ValueError:
        return v.encode()


@schemathesis.serializer("application/x-protobuf")
def protobuf_batch(ctx, value):
    """The inbox's body: the document states a `Batch` by its proto3 JSON mapping (bytes as
    base64); this writes it in the binary form the bridge reads (Batch.messages = 1,
    Signed.message = 1, Signed.signature = 2). What is not of that shape (negative cases) is
    written as far as it goes, an empty batch at worst."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    messages = value.get("messages") if isinstance(value, dict) else None
    out = b""
    for m in messages if isinstance(messages, list) else []:
        m = m if isinstance(m, dict) else {}
        out += _field(1, _field(1, _bytes(m.get("message"))) + _field(2, _bytes(m.get("signature"))))
    return out


# The bridge's signed documents: a schema-valid one is signed for real, as the caller's
# employee would sign it (`egov monitoring sign` with the suite's development keys), so that
# positive cases reach the document's own rules; negative cases keep what was generated.
_SIGNED = {
    "/api/v1/monitoring/status-reports",
    "/api/v1/monitoring/information-requests",
    "/api/v1/monitoring/applications",
    "/api/v1/monitoring/responses",
}


def _sign(message):
    out = subprocess.run(
        [os.environ["EGOV_BIN"], "monitoring", "sign", "--home", os.environ["OPENAPI_CHECK_HOME"],
         "--as", "employee." + os.environ["OPENAPI_CHECK_ORG"]],
        input=json.dumps(message), capture_output=True, text=True, check=True,
    )
    return json.loads(out.stdout)["signature"]


def _sign_case(case):
    meta = case.meta
    if (
        case.operation.path in _SIGNED
        and meta is not None
        and meta.generation.mode.is_positive
        and isinstance(case.body, dict)
        and isinstance(case.body.get("message"), dict)
        and "OPENAPI_CHECK_HOME" in os.environ
    ):
        case.body = dict(case.body, signature=_sign(case.body["message"]))
    return case
