#!/usr/bin/env python3
"""Readiness probe for a MongoDB-compatible server, standard library only (no pymongo).

Sends real OP_MSG commands over the wire, as a driver does: `hello` (the handshake: the
server must answer ok:1 with maxWireVersion >= 9, the minimum of the MongoDB Node driver 7
that mongoose 9 uses), then `listDatabases`, which reaches the storage backend.

usage: mongo-probe.py [host] [port] [--timeout SECONDS]
exit 0 and one line `ok maxWireVersion=.. version=..` when it answers; exit 1 otherwise.
"""
import socket
import struct
import sys

MIN_WIRE_VERSION = 9  # MongoDB 4.4: mongodb@7 (mongoose 9) refuses older servers
OP_MSG = 2013


def encode_doc(doc):
    body = b""
    for key, value in doc.items():
        k = key.encode() + b"\x00"
        if isinstance(value, bool):
            body += b"\x08" + k + (b"\x01" if value else b"\x00")
        elif isinstance(value, int):
            body += b"\x10" + k + struct.pack("<i", value)
        elif isinstance(value, str):
            v = value.encode() + b"\x00"
            body += b"\x02" + k + struct.pack("<i", len(v)) + v
        else:
            raise TypeError(key)
    return struct.pack("<i", len(body) + 5) + body + b"\x00"


def decode_doc(data, pos=0):
    """Top-level decode of a BSON document; nested documents/arrays decoded recursively."""
    (size,) = struct.unpack_from("<i", data, pos)
    end = pos + size - 1
    pos += 4
    out = {}
    while pos < end:
        kind = data[pos]
        pos += 1
        nul = data.index(b"\x00", pos)
        key = data[pos:nul].decode()
        pos = nul + 1
        if kind == 0x01:
            (out[key],) = struct.unpack_from("<d", data, pos)
            pos += 8
        elif kind in (0x02, 0x0D, 0x0E):
            (n,) = struct.unpack_from("<i", data, pos)
            out[key] = data[pos + 4 : pos + 3 + n].decode(errors="replace")
            pos += 4 + n
        elif kind in (0x03, 0x04):
            (n,) = struct.unpack_from("<i", data, pos)
            sub = decode_doc(data, pos)
            out[key] = list(sub.values()) if kind == 0x04 else sub
            pos += n
        elif kind == 0x05:
            (n,) = struct.unpack_from("<i", data, pos)
            pos += 5 + n
            out[key] = "<binary>"
        elif kind == 0x07:
            out[key] = data[pos : pos + 12].hex()
            pos += 12
        elif kind == 0x08:
            out[key] = data[pos] == 1
            pos += 1
        elif kind in (0x09, 0x11, 0x12):
            (out[key],) = struct.unpack_from("<q", data, pos)
            pos += 8
        elif kind in (0x0A, 0x7F, 0xFF, 0x06):
            out[key] = None
        elif kind == 0x10:
            (out[key],) = struct.unpack_from("<i", data, pos)
            pos += 4
        elif kind == 0x13:
            out[key] = "<decimal128>"
            pos += 16
        else:
            raise ValueError("unsupported BSON type 0x%02x" % kind)
    return out


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed by server")
        buf += chunk
    return buf


def command(sock, request_id, doc):
    payload = struct.pack("<I", 0) + b"\x00" + encode_doc(doc)
    header = struct.pack("<iiii", 16 + len(payload), request_id, 0, OP_MSG)
    sock.sendall(header + payload)
    (length, _, _, opcode) = struct.unpack("<iiii", recv_exact(sock, 16))
    body = recv_exact(sock, length - 16)
    if opcode != OP_MSG:
        raise ValueError("unexpected reply opcode %d" % opcode)
    if body[4] != 0:
        raise ValueError("unexpected OP_MSG section kind %d" % body[4])
    return decode_doc(body, 5)


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    timeout = 5.0
    if "--timeout" in argv:
        timeout = float(argv[argv.index("--timeout") + 1])
        args.remove(argv[argv.index("--timeout") + 1])
    host = args[0] if len(args) > 0 else "127.0.0.1"
    port = int(args[1]) if len(args) > 1 else 27017
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            hello = command(sock, 1, {"hello": 1, "$db": "admin"})
            if hello.get("ok") not in (1, 1.0, True):
                raise RuntimeError("hello failed: %r" % hello)
            wire = hello.get("maxWireVersion", 0)
            if wire < MIN_WIRE_VERSION:
                raise RuntimeError(
                    "maxWireVersion %s < %d: the MongoDB Node driver 7 would refuse this server" % (wire, MIN_WIRE_VERSION)
                )
            build = command(sock, 2, {"buildInfo": 1, "$db": "admin"})
            dbs = command(sock, 3, {"listDatabases": 1, "nameOnly": True, "$db": "admin"})
            if dbs.get("ok") not in (1, 1.0, True):
                raise RuntimeError("listDatabases failed: %r" % dbs)
    except Exception as exc:  # noqa: BLE001 - a probe reports any failure the same way
        print("not ready: %s: %s" % (type(exc).__name__, exc), file=sys.stderr)
        return 1
    print("ok maxWireVersion=%s version=%s" % (wire, build.get("version", "?")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
