"""Image dimensions read from PNG and JPEG headers, without decoding the pixels."""

from __future__ import annotations

__all__ = ["image_size"]

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_START = b"\xff\xd8"
# Markers with no length field after them: TEM and the restart markers RST0–RST7.
_STANDALONE_MARKERS = frozenset({0x01, *range(0xD0, 0xD8)})
# Start-of-frame markers, which carry the size: C0–CF except DHT (C4), JPG (C8) and DAC (CC).
_FRAME_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_START_OF_SCAN = 0xDA
_END_OF_IMAGE = 0xD9


def image_size(data: bytes) -> tuple[int, int] | None:
    """``(width, height)`` of a PNG or JPEG image, or None when the header is unknown or corrupt.

    >>> image_size(b"\\x89PNG\\r\\n\\x1a\\n\\x00\\x00\\x00\\rIHDR\\x00\\x00\\x00\\x40\\x00\\x00\\x00\\x30")
    (64, 48)
    """
    if data.startswith(_PNG_SIGNATURE):
        return _png_size(data)
    if data.startswith(_JPEG_START):
        return _jpeg_size(data)
    return None


def _png_size(data: bytes) -> tuple[int, int] | None:
    # The IHDR chunk must come first: length (4), type (4), then width and height (4 each).
    if len(data) < 24 or data[12:16] != b"IHDR":
        return None
    return _positive(int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big"))


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    position = 2
    while position < len(data):
        if data[position] != 0xFF:
            return None
        while position < len(data) and data[position] == 0xFF:  # fill bytes may pad markers
            position += 1
        if position >= len(data):
            return None
        marker = data[position]
        position += 1
        if marker in _STANDALONE_MARKERS:
            continue
        if marker in (_START_OF_SCAN, _END_OF_IMAGE) or position + 2 > len(data):
            return None  # compressed data or the end came before any frame header
        length = int.from_bytes(data[position : position + 2], "big")
        if length < 2:
            return None
        if marker in _FRAME_MARKERS:
            # Frame header: length (2), sample precision (1), height (2), width (2).
            if length < 7 or position + 7 > len(data):
                return None
            height = int.from_bytes(data[position + 3 : position + 5], "big")
            width = int.from_bytes(data[position + 5 : position + 7], "big")
            return _positive(width, height)
        position += length
    return None


def _positive(width: int, height: int) -> tuple[int, int] | None:
    # A zero height in a JPEG means "given later by a DNL marker"; zero is never usable here.
    return (width, height) if width > 0 and height > 0 else None
