"""AWS Signature Version 4, checked on the server.

With credentials configured, every request must carry ``Authorization: AWS4-HMAC-SHA256
Credential=<key id>/<date>/<region>/<service>/aws4_request, SignedHeaders=..., Signature=...``
and ``X-Amz-Date``. The signature is recomputed with botocore's own signer
(:class:`botocore.auth.SigV4Auth`) from the request as received and the configured secret, and
compared in constant time; the date must be within 15 minutes of the server's clock. The answers
are AWS's: ``MissingAuthenticationTokenException`` (unsigned), ``UnrecognizedClientException``
(unknown key id), ``InvalidSignatureException`` (wrong secret, altered request, expired date),
``IncompleteSignatureException`` (a malformed Authorization header).
"""

from __future__ import annotations

import configparser
import datetime as _dt
import hmac
import os
from collections.abc import Mapping
from pathlib import Path

from glue_nb.exceptions import (
    GlueNbError,
    InvalidSignatureException,
    MissingAuthenticationTokenException,
    UnrecognizedClientException,
    error_class,
)

__all__ = ["MAX_SKEW", "load_credentials", "verify"]

MAX_SKEW = _dt.timedelta(minutes=15)
ALGORITHM = "AWS4-HMAC-SHA256"
_FORMAT = "%Y%m%dT%H%M%SZ"


def _incomplete(message: str) -> GlueNbError:
    return error_class("IncompleteSignatureException")(message)


def load_credentials(
    access_key_id: str | None = None,
    secret_access_key: str | None = None,
    path: str | os.PathLike[str] | None = None,
) -> dict[str, str]:
    """The credentials a server accepts: ``{key id: secret}``, from a key pair and/or a file in
    the AWS credentials format (every section's ``aws_access_key_id``/``aws_secret_access_key``)."""
    keys: dict[str, str] = {}
    if path is not None:
        parser = configparser.ConfigParser()
        text = Path(path).read_text()
        parser.read_string(text if text.lstrip().startswith("[") else "[default]\n" + text)
        for section in parser.sections():
            key = parser.get(section, "aws_access_key_id", fallback=None)
            secret = parser.get(section, "aws_secret_access_key", fallback=None)
            if key and secret:
                keys[key.strip()] = secret.strip()
        if not keys:
            raise ValueError(
                f"{path}: no aws_access_key_id / aws_secret_access_key pair found (write it as in "
                "~/.aws/credentials)"
            )
    if access_key_id or secret_access_key:
        if not (access_key_id and secret_access_key):
            raise ValueError("give both the access key id and the secret access key")
        keys[access_key_id] = secret_access_key
    return keys


def _fields(header: str) -> dict[str, str]:
    if not header.startswith(ALGORITHM + " "):
        raise _incomplete(
            f"Authorization header requires the {ALGORITHM} algorithm (got "
            f"{header.split(' ', 1)[0]!r})"
        )
    fields = {}
    for part in header[len(ALGORITHM) + 1 :].split(","):
        key, sep, value = part.strip().partition("=")
        if sep:
            fields[key] = value
    missing = [k for k in ("Credential", "SignedHeaders", "Signature") if not fields.get(k)]
    if missing:
        raise _incomplete(
            f"Authorization header requires '{missing[0]}' parameter. Authorization={header}"
        )
    return fields


def verify(
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes,
    credentials: Mapping[str, str],
    *,
    now: _dt.datetime | None = None,
) -> str:
    """Check a request's SigV4 signature → the access key id it was signed with.

    ``headers``: the request's headers (any case); ``path``: its path with the query string.
    """
    from urllib.parse import urlsplit

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    lower = {k.lower(): v for k, v in headers.items()}
    header = lower.get("authorization")
    if not header:
        raise MissingAuthenticationTokenException("Missing Authentication Token")
    fields = _fields(header)
    scope = fields["Credential"].split("/")
    if len(scope) != 5 or scope[4] != "aws4_request":
        raise _incomplete(
            f"Credential must be <key id>/<date>/<region>/<service>/aws4_request, got "
            f"{fields['Credential']!r}"
        )
    key_id, day, region, service, _ = scope
    secret = credentials.get(key_id)
    if secret is None:
        raise UnrecognizedClientException("The security token included in the request is invalid.")
    stamp = lower.get("x-amz-date")
    if not stamp:
        raise _incomplete("Authorization header requires existence of either a 'X-Amz-Date' or "
                          "a 'Date' header.")  # fmt: skip
    try:
        when = _dt.datetime.strptime(stamp, _FORMAT).replace(tzinfo=_dt.timezone.utc)
    except ValueError:
        raise _incomplete(f"X-Amz-Date {stamp!r} is not in the format YYYYMMDD'T'HHMMSS'Z'")
    current = now or _dt.datetime.now(_dt.timezone.utc)
    if when < current - MAX_SKEW:
        raise InvalidSignatureException(
            f"Signature expired: {stamp} is now earlier than "
            f"{(current - MAX_SKEW).strftime(_FORMAT)} ({current.strftime(_FORMAT)} - 15 min.)"
        )
    if when > current + MAX_SKEW:
        raise InvalidSignatureException(
            f"Signature not yet current: {stamp} is still later than "
            f"{(current + MAX_SKEW).strftime(_FORMAT)} ({current.strftime(_FORMAT)} + 15 min.)"
        )
    if day != stamp[:8]:
        raise InvalidSignatureException(
            f"Credential should be scoped to a valid date: {day!r} is not the date of X-Amz-Date "
            f"{stamp!r}"
        )
    signed = [h for h in fields["SignedHeaders"].lower().split(";") if h]
    if "host" not in signed:
        raise InvalidSignatureException("'Host' must be a signed header")
    absent = [h for h in signed if h not in lower]
    if absent:
        raise InvalidSignatureException(f"Signed header {absent[0]!r} is not in the request")
    parts = urlsplit(path)
    request = AWSRequest(
        method=method,
        url=f"http://{lower['host']}{parts.path or '/'}"
        + (f"?{parts.query}" if parts.query else ""),
        headers={h: lower[h] for h in signed},
        data=body,
    )
    request.context["timestamp"] = stamp
    signer = SigV4Auth(Credentials(key_id, secret), service, region)
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    if not hmac.compare_digest(expected.encode(), fields["Signature"].encode()):
        raise InvalidSignatureException(
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. Consult the service "
            "documentation for details."
        )
    return key_id
