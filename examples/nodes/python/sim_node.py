"""A minimal node runtime for the sim NDJSON protocol (Python standard library only).

    from sim_node import run_node
    run_node(on_deliver=lambda node, msg: node.send(msg["from"], {"echo": msg["payload"]}))

The coordinator writes one JSON object per line on stdin; the node answers on
stdout. Everything else (prints, tracebacks) must go to stderr.
"""
import heapq
import json
import sys

PROTOCOL_VERSION = 1


class Node:
    def __init__(self, out):
        self._out = out
        self._buf = []
        self._queue = []  # (at_us, seq, kind, value)
        self._seq = 0
        self.now_us = 0
        self.quantum_start_us = 0
        self.until_us = None
        self.id = ""
        self.seed = 0
        self.time_quantum_us = 0
        self.config = {}

    def send(self, to, payload, at_us=None, size_bytes=None):
        """Send at `at_us` (default: now), which must lie in the quantum being run."""
        if self.until_us is None:
            raise RuntimeError("send() is only allowed while running a quantum")
        at = self.now_us if at_us is None else at_us
        if not (self.quantum_start_us <= at < self.until_us):
            raise ValueError(f"send at {at} outside the quantum [{self.quantum_start_us}, {self.until_us})")
        body = json.dumps(payload, separators=(",", ":"))
        size = len(body.encode("utf-8")) if size_bytes is None else size_bytes
        self._buf.append(
            '{"type":"send","at_us":%d,"to":%s,"payload":%s,"size_bytes":%d}\n' % (at, json.dumps(to), body, size)
        )

    def set_timer(self, delay_us, callback):
        """Call `callback(node)` at now + delay_us (virtual time)."""
        self._push(self.now_us + delay_us, "timer", callback)

    def log(self, level, msg):
        self._buf.append(json.dumps({"type": "log", "level": level, "msg": str(msg)}, separators=(",", ":")) + "\n")

    def _push(self, at_us, kind, value):
        heapq.heappush(self._queue, (at_us, self._seq, kind, value))
        self._seq += 1

    def _flush(self):
        if self._buf:
            self._out.write("".join(self._buf))
            self._out.flush()
            self._buf.clear()


def run_node(init=None, on_deliver=None, on_advance=None, on_shutdown=None):
    """Serve the protocol on stdin/stdout until `shutdown` or end of input, then return."""
    node = Node(sys.stdout)
    for raw in sys.stdin:
        line = raw.strip()
        if not line:
            continue
        msg = json.loads(line)
        kind = msg.get("type")
        if kind == "init":
            node.id = msg["node_id"]
            node.seed = msg["seed"]
            node.time_quantum_us = msg["time_quantum_us"]
            node.config = msg["config"]
            if init:
                init(node)
            node._buf.append('{"type":"ready","protocol":%d}\n' % PROTOCOL_VERSION)
            node._flush()
        elif kind == "deliver":
            node._push(msg["at_us"], "deliver", msg)
        elif kind == "advance":
            until = msg["until_us"]
            node.until_us = until
            node.quantum_start_us = node.now_us
            if on_advance:
                on_advance(node, until)
            # Deliveries and timers in (time, arrival) order, up to the end of the quantum.
            while node._queue and node._queue[0][0] < until:
                at, _, what, value = heapq.heappop(node._queue)
                node.now_us = max(node.now_us, at)
                if what == "deliver":
                    if on_deliver:
                        on_deliver(node, {"from": value["from"], "at_us": at, "payload": value["payload"],
                                          "size_bytes": value.get("size_bytes", 0)})
                else:
                    value(node)
            node.now_us = until
            node.until_us = None
            node._buf.append('{"type":"done","now_us":%d}\n' % until)
            node._flush()
        elif kind == "shutdown":
            break
        else:
            raise ValueError(f"unknown message from the coordinator: {line[:200]}")
    if on_shutdown:
        on_shutdown(node)
    node._flush()
