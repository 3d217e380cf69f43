"""The text carried by a cover sheet's QR code.

Format: ``CC1|<campaign slug>|<cipher>|<CRC-32 as 8 hex digits>``.

The QR symbol has its own error correction, so the checksum is not about
scanner noise: it tells our payloads apart from QR codes that merely look
similar (a hand-typed or edited code, another system's "CC..." label), and the
version field lets a future format be refused cleanly instead of misread.
"""
from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from enum import Enum

VERSION = 1
CAMPAIGN_RE = re.compile(r"[a-z0-9-]{1,64}")
CIPHER_RE = re.compile(r"[A-Z0-9]{8,16}")
_OURS_RE = re.compile(r"CC(\d{1,3})\|")


class PayloadStatus(str, Enum):
    """Why a QR text is (not) a usable cover of the expected campaign."""

    OK = "ok"
    NOT_OURS = "not_ours"  # some other QR code; the page is not a cover at all
    MALFORMED = "malformed"  # looks like ours but fields are wrong
    BAD_CHECKSUM = "bad_checksum"
    UNSUPPORTED_VERSION = "unsupported_version"
    FOREIGN_CAMPAIGN = "foreign_campaign"  # valid cover of another campaign


@dataclass(frozen=True)
class DecodedPayload:
    """Result of :func:`decode_payload`; campaign/cipher are set when parseable."""

    status: PayloadStatus
    text: str
    campaign: str | None = None
    cipher: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is PayloadStatus.OK

    @property
    def is_ours(self) -> bool:
        """True when the text claims to be a crosscheck cover (valid or not)."""
        return self.status is not PayloadStatus.NOT_OURS


def checksum(campaign: str, cipher: str) -> str:
    """CRC-32 over the version, campaign and cipher, as 8 upper-case hex digits."""
    body = f"CC{VERSION}|{campaign}|{cipher}".encode("ascii")
    return f"{zlib.crc32(body):08X}"


def encode_payload(campaign: str, cipher: str) -> str:
    """Build the QR text; raises ValueError for a slug or cipher outside the spec."""
    if not CAMPAIGN_RE.fullmatch(campaign):
        raise ValueError(f"campaign slug must match [a-z0-9-]{{1,64}}: {campaign!r}")
    if not CIPHER_RE.fullmatch(cipher):
        raise ValueError(f"cipher must match [A-Z0-9]{{8,16}}: {cipher!r}")
    return f"CC{VERSION}|{campaign}|{cipher}|{checksum(campaign, cipher)}"


def decode_payload(text: str, expected_campaign: str | None = None) -> DecodedPayload:
    """Parse a QR text; never raises.

    With ``expected_campaign`` a valid cover of another campaign is reported as
    FOREIGN_CAMPAIGN (its campaign and cipher are still filled in).
    """
    text = text.strip()
    head = _OURS_RE.match(text)
    if head is None:
        return DecodedPayload(PayloadStatus.NOT_OURS, text)
    if int(head.group(1)) != VERSION:
        return DecodedPayload(PayloadStatus.UNSUPPORTED_VERSION, text)
    parts = text.split("|")
    if len(parts) != 4:
        return DecodedPayload(PayloadStatus.MALFORMED, text)
    _, campaign, cipher, check = parts
    if not (CAMPAIGN_RE.fullmatch(campaign) and CIPHER_RE.fullmatch(cipher)):
        return DecodedPayload(PayloadStatus.MALFORMED, text)
    if check.upper() != checksum(campaign, cipher):
        return DecodedPayload(PayloadStatus.BAD_CHECKSUM, text, campaign, cipher)
    if expected_campaign is not None and campaign != expected_campaign:
        return DecodedPayload(PayloadStatus.FOREIGN_CAMPAIGN, text, campaign, cipher)
    return DecodedPayload(PayloadStatus.OK, text, campaign, cipher)
