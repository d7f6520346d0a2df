"""Minimal safetensors reader/writer for NumPy (no external dependency).

File layout: 8-byte little-endian u64 header length N, N bytes of JSON header
({name: {"dtype", "shape", "data_offsets": [begin, end]}, optional "__metadata__"}),
then the raw little-endian data buffer (offsets are relative to its start).

Supported dtypes: F64, F32, F16, BF16 (read as the upper 16 bits of a float32),
I64, I32, U8, BOOL.
"""
import json
import struct

import numpy as np

_NP = {
    "F64": np.dtype("<f8"),
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
    "U8": np.dtype("u1"),
    "BOOL": np.dtype("?"),
}
_ST = {np.dtype("<f8"): "F64", np.dtype("<f4"): "F32", np.dtype("<f2"): "F16",
       np.dtype("<i8"): "I64", np.dtype("<i4"): "I32", np.dtype("u1"): "U8", np.dtype("?"): "BOOL"}


def read_header(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n).decode("utf-8"))
    return n, header


def load(path, names=None):
    """Return (dict name -> np.ndarray, metadata dict or None).

    BF16 tensors are returned upcast to float32 (exactly: bf16 is the top half of an f32).
    """
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    base = 8 + n
    meta = header.pop("__metadata__", None)
    out = {}
    for name, info in header.items():
        if names is not None and name not in names:
            continue
        b, e = info["data_offsets"]
        buf = raw[base + b: base + e]
        shape = tuple(info["shape"])
        dt = info["dtype"]
        if dt == "BF16":
            u16 = np.frombuffer(buf, dtype="<u2").astype(np.uint32)
            arr = (u16 << 16).view(np.float32).reshape(shape)
        elif dt in _NP:
            arr = np.frombuffer(buf, dtype=_NP[dt]).reshape(shape)
        else:
            raise ValueError(f"unsupported dtype {dt} for {name}")
        out[name] = np.array(arr)  # own, writable copy
    return out, meta


def to_bf16_bits(x):
    """float32 -> uint16 bf16 bits, round-to-nearest-even (NaN not handled specially)."""
    u = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
    return rounded.astype(np.uint16)


def save(path, tensors, metadata=None, bf16=()):
    """Write tensors (dict name -> array) in sorted-name order.

    Arrays keep their dtype (must be one of the supported ones); names in `bf16`
    are stored as BF16 (rounded to nearest even from float32).
    """
    header = {}
    chunks = []
    off = 0
    for name in sorted(tensors):
        a = np.asarray(tensors[name])
        if name in bf16:
            data = to_bf16_bits(a).astype("<u2").tobytes()
            dt = "BF16"
        else:
            a = np.ascontiguousarray(a.astype(a.dtype.newbyteorder("<")))
            dt = _ST.get(a.dtype)
            if dt is None:
                raise ValueError(f"unsupported dtype {a.dtype} for {name}")
            data = a.tobytes()
        header[name] = {"dtype": dt, "shape": list(a.shape), "data_offsets": [off, off + len(data)]}
        chunks.append(data)
        off += len(data)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    hb = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hb += b" " * ((8 - len(hb) % 8) % 8)  # pad header so the data buffer is 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        for c in chunks:
            f.write(c)
