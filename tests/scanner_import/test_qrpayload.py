from hypothesis import given
from hypothesis import strategies as st
import pytest

from scanner_import.qrpayload import PayloadStatus, checksum, decode_payload, encode_payload

slugs = st.from_regex(r"[a-z0-9-]{1,64}", fullmatch=True)
ciphers = st.from_regex(r"[A-Z0-9]{8,16}", fullmatch=True)


@given(slugs, ciphers)
def test_roundtrip(slug: str, cipher: str) -> None:
    decoded = decode_payload(encode_payload(slug, cipher), expected_campaign=slug)
    assert decoded.ok and (decoded.campaign, decoded.cipher) == (slug, cipher)


def test_format_is_stable() -> None:
    text = encode_payload("vpr-math-5", "ABCD1234")
    assert text.startswith("CC1|vpr-math-5|ABCD1234|") and len(text.split("|")[3]) == 8


def test_foreign_campaign_keeps_fields() -> None:
    d = decode_payload(encode_payload("other", "ABCD1234"), expected_campaign="mine")
    assert d.status is PayloadStatus.FOREIGN_CAMPAIGN and d.campaign == "other" and d.is_ours


@pytest.mark.parametrize("text, status", [
    ("https://example.org/x", PayloadStatus.NOT_OURS),
    ("", PayloadStatus.NOT_OURS),
    ("CC2|a|ABCD1234|00000000", PayloadStatus.UNSUPPORTED_VERSION),
    ("CC1|a|ABCD1234", PayloadStatus.MALFORMED),
    ("CC1|Bad_Slug|ABCD1234|00000000", PayloadStatus.MALFORMED),
    ("CC1|a|abcd1234|00000000", PayloadStatus.MALFORMED),
    ("CC1|a|ABC|00000000", PayloadStatus.MALFORMED),
    ("CC1|a|ABCD1234|00000000", PayloadStatus.BAD_CHECKSUM),
])
def test_invalid_payloads(text: str, status: PayloadStatus) -> None:
    d = decode_payload(text)
    assert d.status is status and not d.ok


def test_checksum_detects_edit() -> None:
    good = encode_payload("camp", "ABCD1234")
    edited = good.replace("ABCD1234", "ABCD1235")
    assert decode_payload(edited).status is PayloadStatus.BAD_CHECKSUM
    assert checksum("camp", "ABCD1234") != checksum("camp", "ABCD1235")


@pytest.mark.parametrize("slug, cipher", [("UPPER", "ABCD1234"), ("a" * 65, "ABCD1234"),
                                          ("ok", "SHORT"), ("ok", "A" * 17), ("ok", "ABCD-123")])
def test_encode_refuses_out_of_spec(slug: str, cipher: str) -> None:
    with pytest.raises(ValueError):
        encode_payload(slug, cipher)
