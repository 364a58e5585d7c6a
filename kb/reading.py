"""Read a digest file from disk into text, or say precisely why it cannot be read.

Digests arrive as UTF-8 mostly, but also with BOMs, as UTF-16 from Windows editors and as
GBK/GB18030 from older Chinese tools. Binary files and undecodable bytes are refused with
a reason the ingest report can show next to the path.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from .errors import DecodeError

MAX_BYTES = 64 * 1024 * 1024  # a digest is kilobytes; anything this big is not one

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str
    note: str | None = None  # e.g. "file ends mid-character"


def _looks_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM: ASCII-heavy text has a NUL in every other byte."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even_nul = sample[0::2].count(0) / max(1, len(sample[0::2]))
    odd_nul = sample[1::2].count(0) / max(1, len(sample[1::2]))
    if odd_nul > 0.3 and even_nul < 0.05:
        return "utf-16-le"
    if even_nul > 0.3 and odd_nul < 0.05:
        return "utf-16-be"
    return None


def _is_binary(text: str) -> bool:
    """Control characters other than whitespace mean this is not a text document."""
    sample = text[:8192]
    if not sample:
        return False
    bad = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    return "\x00" in sample or bad / len(sample) > 0.01


def decode_bytes(data: bytes) -> DecodedText:
    """Decode ``data``: BOM, then UTF-8, UTF-16 by NUL pattern, then GB18030 and Big5."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return _checked(data[len(bom):].decode(enc), enc)
            except UnicodeDecodeError as exc:
                raise DecodeError(f"has a {enc} byte-order mark but invalid {enc} bytes at {exc.start}") from exc
    utf16 = _looks_utf16(data)
    if utf16:
        try:
            return _checked(data.decode(utf16), utf16)
        except UnicodeDecodeError:
            pass
    try:
        return _checked(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.start >= len(data) - 3:
            text = data[: exc.start].decode("utf-8")
            return _checked(text, "utf-8", note="file ends in the middle of a character (truncated?)")
        utf8_error = exc
    if b"\x00" in data[:8192]:
        raise DecodeError("binary file (NUL bytes), not a text digest")
    decoded = {}
    for enc in ("gb18030", "big5"):
        try:
            decoded[enc] = data.decode(enc)
        except UnicodeDecodeError:
            continue
    if len(decoded) == 2:  # GB18030 accepts most Big5 bytes too: ask which reads as text
        enc = _chinese_encoding(data)
        return _checked(decoded[enc], enc)
    for enc, text in decoded.items():
        return _checked(text, enc)
    raise DecodeError(
        f"not valid UTF-8 (byte {utf8_error.start}), UTF-16, GB18030 or Big5: "
        "re-save the file as UTF-8"
    )


def _chinese_encoding(data: bytes) -> str:
    """GB18030 or Big5 for bytes valid in both; GB18030 (mainland digests) unless there is
    enough text for charset-normalizer to be sure it is Big5."""
    if sum(b > 127 for b in data) < 40:
        return "gb18030"
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=["gb18030", "big5"]).best()
    return "big5" if best is not None and best.encoding == "big5" else "gb18030"


def _checked(text: str, encoding: str, note: str | None = None) -> DecodedText:
    if _is_binary(text):
        raise DecodeError("binary file (control characters), not a text digest")
    return DecodedText(text.replace("\r\n", "\n").replace("\r", "\n"), encoding, note)


def read_text(path: Path) -> DecodedText:
    """Read and decode one file; raises DecodeError with a reason, OSError for I/O faults."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise DecodeError(f"file is {size / 2**20:.0f} MB, larger than the {MAX_BYTES // 2**20} MB limit for one digest")
    return decode_bytes(path.read_bytes())
