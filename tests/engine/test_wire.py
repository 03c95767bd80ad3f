"""The wire format: struct layout and numpy dtype agree byte for byte."""
import numpy as np

from engine import wire
from engine.decode import EVENT_DTYPE


def test_record_is_32_bytes_and_fits_atomic_frames():
    assert wire.RECORD_SIZE == 32 == EVENT_DTYPE.itemsize
    assert wire.FRAME_HEADER.size + wire.MAX_EVENTS_PER_FRAME * wire.RECORD_SIZE <= wire.MAX_FRAME
    assert wire.MAX_FRAME <= 4096  # PIPE_BUF on Linux: one write stays atomic


def test_struct_and_dtype_agree_byte_for_byte():
    values = (123456789012345, 4242, 7, wire.K.VAR_WRITE, 3, -17, -(2 ** 40))
    packed = wire.RECORD.pack(*values)
    row = np.frombuffer(packed, EVENT_DTYPE)[0]
    assert tuple(row[name].item() for name in EVENT_DTYPE.names) == values
    assert np.array([values], EVENT_DTYPE).tobytes() == packed


def test_kinds_and_states_are_unique():
    codes = [code for code, *_ in wire.KINDS]
    names = [name for _, name, *_ in wire.KINDS]
    assert len(set(codes)) == len(codes) and len(set(names)) == len(names)
    assert [code for code, _ in wire.STATES] == list(range(wire.N_STATES))


def test_stream_header_roundtrip_and_rejects_foreign_bytes():
    assert wire.check_stream_header(wire.stream_header()) == wire.STREAM_HEADER.size
    for bad in (b"", b"GS", b"PK\x03\x04zip!", wire.STREAM_HEADER.pack(wire.MAGIC, 99, 0)):
        try:
            wire.check_stream_header(bad)
        except wire.WireError as exc:
            assert str(exc)
        else:
            raise AssertionError("accepted %r" % bad)
