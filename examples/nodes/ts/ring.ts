// One message per quantum to the next node of a ring; counts what it receives.
// Optional `wall_jitter_ms` sleeps a random wall-clock time in each handler: the
// virtual-time results must not change (used by the determinism test).
import { randomInt } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { runNode } from "@sim/protocol/sdk";

let sent = 0;
let received = 0;

await runNode({
  init(node) {
    if (typeof node.config.next !== "string") throw new Error(`config.next must name the next node`);
  },
  onAdvance(untilUs, node) {
    return after(jitter(node.config.wall_jitter_ms), () => {
      node.send(node.config.next as string, { n: sent++, from: node.id }, { sizeBytes: 32 });
    });
  },
  onDeliver(msg, node) {
    return after(jitter(node.config.wall_jitter_ms), () => {
      received++;
      if (node.config.reply === true) node.send(msg.from, { ack: (msg.payload as { n: number }).n });
    });
  },
  onShutdown(node) {
    node.log("info", `sent ${sent}, received ${received}`);
  },
});

/** A random wall-clock pause, or null (then the handler stays synchronous, which is faster). */
function jitter(maxMs: unknown): Promise<unknown> | null {
  return typeof maxMs === "number" && maxMs > 0 ? sleep(randomInt(0, maxMs + 1)) : null;
}

function after(pause: Promise<unknown> | null, then: () => void): Promise<void> | void {
  return pause ? pause.then(then) : then();
}
