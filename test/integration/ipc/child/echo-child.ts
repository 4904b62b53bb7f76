import { PROTOCOL_VERSION } from '../../../../src/ipc/index.js';

// A stand-in for python-runner: speaks the envelope protocol with plain `msgpack`, nothing else.
// argv[1] picks a misbehaviour: die-before-hello, silent, ignore-shutdown, old-protocol.
export const ECHO_CHILD_SOURCE = String.raw`
import os, struct, sys, time
import msgpack

mode = sys.argv[1] if len(sys.argv) > 1 else ""
rd, wr = sys.stdin.buffer, sys.stdout.buffer

def send(obj):
    body = msgpack.packb(obj, use_bin_type=True)
    wr.write(struct.pack(">I", len(body)) + body)
    wr.flush()

def read_exact(n):
    data = rd.read(n)
    return data if data is not None and len(data) == n else None

if mode == "die-before-hello":
    sys.stderr.write("Traceback (most recent call last):\n  File \"plugin.py\", line 1, in <module>\nImportError: no module named nope\n")
    sys.exit(3)
if mode == "silent":
    time.sleep(60)

sys.stderr.write("echo child ready\n")
sys.stderr.flush()
send({"type": "notification", "method": "$/hello", "params": {
    "pid": os.getpid(), "python_version": "%d.%d.%d" % sys.version_info[:3],
    "runner_version": "echo", "protocol_version": 1 if mode == "old-protocol" else ${PROTOCOL_VERSION}}})

while True:
    header = read_exact(4)
    if header is None:
        break
    msg = msgpack.unpackb(read_exact(struct.unpack(">I", header)[0]), raw=False, strict_map_key=False)
    if msg.get("type") != "request":
        continue
    mid, method, params = msg["id"], msg["method"], msg.get("params")
    if method == "$/shutdown":
        if mode == "ignore-shutdown":
            continue
        send({"type": "response", "id": mid, "result": {}})
        break
    if method == "echo":
        send({"type": "response", "id": mid, "result": params})
    elif method == "types":
        send({"type": "response", "id": mid, "result": {k: type(v).__name__ for k, v in params.items()}})
    elif method == "env":
        send({"type": "response", "id": mid, "result": dict(os.environ)})
    elif method == "crash":
        sys.stderr.write("crashing on purpose\n")
        sys.stderr.flush()
        os._exit(7)
    else:
        send({"type": "response", "id": mid, "error": {"type": "MethodNotFound", "message": method, "traceback": None}})
`;
