"""Reference node: answers each delivery to its sender after `processing_us` of
virtual time; optionally also sends `{"seq": n}` to `target` every `period_us`.
`wall_jitter_ms` sleeps a random wall-clock time per message: results in virtual
time must not change (the determinism test uses it)."""
import random
import sys
import time

from sim_node import run_node

state = {"seq": 0, "received": 0}


def jitter(node):
    max_ms = node.config.get("wall_jitter_ms", 0)
    if max_ms:
        time.sleep(random.SystemRandom().uniform(0, max_ms) / 1000)


def init(node):
    node.log("info", f"{node.id}: echo node, processing_us={node.config.get('processing_us', 0)}")
    period = node.config.get("period_us")
    target = node.config.get("target")
    if period and target:
        def tick(n):
            n.send(target, {"seq": state["seq"], "from": n.id})
            state["seq"] += 1
            n.set_timer(period, tick)
        node.set_timer(0, tick)


def on_deliver(node, msg):
    jitter(node)
    state["received"] += 1
    delay = node.config.get("processing_us", 0)
    # The reply leaves after the processing time; a timer carries it into a later quantum if needed.
    node.set_timer(delay, lambda n: n.send(msg["from"], {"echo": msg["payload"], "by": n.id}))


def on_shutdown(node):
    print(f"{node.id}: received {state['received']}", file=sys.stderr)


if __name__ == "__main__":
    run_node(init=init, on_deliver=on_deliver, on_shutdown=on_shutdown)
