// A node written with the SDK, run inside sim-test/node:1 by the stdio tests.
// Deterministic: a small PRNG seeded from the init's seed decides when it emits.
//   config.peer         where its messages go (default "peer")
//   config.crash_at_us  exits with code 3 (after a line on stderr) once its clock reaches this
//   config.stderr_lines writes this many lines to stderr each quantum
//   config.flood_at_us  sends config.flood_sends messages in the quantum that starts there
import { runNode } from "@sim/protocol/sdk";

let state = 0;
function next() {
  // mulberry32: small, well-known, no dependency.
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

let sent = 0;
let received = 0;

await runNode({
  init(node) {
    state = node.seed >>> 0;
    console.error(`sdk-node ${node.id} starting (seed ${node.seed})`);
  },
  onAdvance(untilUs, node) {
    const crashAt = node.config.crash_at_us;
    if (typeof crashAt === "number" && untilUs > crashAt) {
      console.error(`boom: ${node.id} crashes at ${node.now()} us`);
      process.exit(3);
    }
    for (let i = 0; i < (node.config.stderr_lines ?? 0); i++) console.error(`noise ${untilUs} ${i}`);
    if (node.config.flood_at_us === node.now()) {
      for (let i = 0; i < node.config.flood_sends; i++) node.send("sink", i);
    }
    const start = node.now();
    const atUs = start + Math.floor(next() * (untilUs - start));
    node.send(String(node.config.peer ?? "peer"), { n: sent++, reading: Math.round(next() * 1000) / 10 }, { atUs });
  },
  onDeliver(message, node) {
    received++;
    node.send(message.from, { echo: message.payload, received });
  },
  onShutdown(node) {
    node.log("info", `sent ${sent}, received ${received}`);
    console.error("sdk-node stopping");
  },
});
