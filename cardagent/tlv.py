"""Just enough BER-TLV for PIV: tags of one to three bytes, definite lengths."""


def encode_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    if length <= 0xFF:
        return bytes([0x81, length])
    if length <= 0xFFFF:
        return bytes([0x82]) + length.to_bytes(2, "big")
    raise ValueError("TLV value too long")


def tlv(tag: int, value: bytes = b"") -> bytes:
    tag_bytes = tag.to_bytes(max(1, (tag.bit_length() + 7) // 8), "big")
    return tag_bytes + encode_length(len(value)) + bytes(value)


def _read_tag(data: bytes, pos: int) -> tuple[int, int]:
    tag = data[pos]
    pos += 1
    if tag & 0x1F == 0x1F:
        while True:
            if pos >= len(data):
                raise ValueError("truncated TLV tag")
            tag = (tag << 8) | data[pos]
            pos += 1
            if not data[pos - 1] & 0x80:
                break
    return tag, pos


def _read_length(data: bytes, pos: int) -> tuple[int, int]:
    if pos >= len(data):
        raise ValueError("truncated TLV length")
    first = data[pos]
    pos += 1
    if first < 0x80:
        return first, pos
    count = first & 0x7F
    if count == 0 or count > 3 or pos + count > len(data):
        raise ValueError("bad TLV length")
    return int.from_bytes(data[pos : pos + count], "big"), pos + count


def parse(data: bytes) -> list[tuple[int, bytes]]:
    """Parse a flat sequence of TLVs into (tag, value) pairs, in order."""
    items = []
    pos = 0
    data = bytes(data)
    while pos < len(data):
        if data[pos] in (0x00, 0xFF):  # padding between objects
            pos += 1
            continue
        tag, pos = _read_tag(data, pos)
        length, pos = _read_length(data, pos)
        if pos + length > len(data):
            raise ValueError("truncated TLV value")
        items.append((tag, data[pos : pos + length]))
        pos += length
    return items


def find(data: bytes, tag: int) -> bytes | None:
    for item_tag, value in parse(data):
        if item_tag == tag:
            return value
    return None


def as_dict(data: bytes) -> dict[int, bytes]:
    return dict(parse(data))
