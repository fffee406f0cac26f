"""IEEE 488.2 block encoding and the block-reading path (pymeasure ProtocolAdapter)."""
import warnings

import numpy as np
import pytest
from pymeasure.adapters import ProtocolAdapter

from labctl.visa_blocks import (
    BlockError,
    block_header,
    decode_block,
    encode_block,
    read_block,
    write_block,
)


def test_header_counts_digits_and_bytes():
    assert block_header(0) == b"#10"
    assert block_header(1234) == b"#41234"
    assert encode_block(b"\n\x00#") == b"#13\n\x00#"
    with pytest.raises(ValueError):
        block_header(10**9)


def test_decode_definite_and_indefinite():
    data = bytes(range(256)) * 3
    assert decode_block(encode_block(data) + b"\n") == data
    assert decode_block(b"#0abc\n") == b"abc"
    with pytest.raises(BlockError):
        decode_block(b"#15abc")
    with pytest.raises(BlockError):
        decode_block(b"1,2,3")


def test_read_definite_block_with_newlines_inside_and_terminator():
    data = np.random.default_rng(1).integers(0, 256, 1000, dtype=np.uint8).tobytes() + b"\n\n"
    adapter = ProtocolAdapter([(None, encode_block(data) + b"\n")])
    assert read_block(adapter, terminated=True) == data


def test_read_block_without_terminator():
    adapter = ProtocolAdapter([(None, b"#210" + b"0123456789")])
    assert read_block(adapter, terminated=False) == b"0123456789"


def test_read_indefinite_block():
    adapter = ProtocolAdapter([(None, b"#0\x01\x02\x03\n")])
    with warnings.catch_warnings():  # ProtocolAdapter cannot emulate break_on_termchar; it warns
        warnings.simplefilter("ignore", UserWarning)
        assert read_block(adapter) == b"\x01\x02\x03"


@pytest.mark.parametrize("reply", [b"1.5\n", b"#x12\n", b"#2ab0123\n"])
def test_malformed_headers_raise(reply):
    with pytest.raises(BlockError):
        read_block(ProtocolAdapter([(None, reply)]))


def test_missing_terminator_is_reported():
    with pytest.raises(BlockError, match="NL"):
        read_block(ProtocolAdapter([(None, b"#13abcX")]), terminated=True)


def test_write_block_sends_no_terminator():
    adapter = ProtocolAdapter([(b":DATA 1,#14\x00\n\x01\xff", None)])
    write_block(adapter, ":DATA 1,", b"\x00\n\x01\xff")
    assert adapter._index == 1  # the one expected message, nothing after it
