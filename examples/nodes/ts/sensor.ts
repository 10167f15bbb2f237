// A periodic sensor written with the SDK: a reading every `period_us` of virtual
// time to `target`, using the SDK's virtual timers. The readings come from a
// generator seeded with the run's seed, so a run is reproducible.
import { runNode } from "@sim/protocol/sdk";

let state = 0;
function nextReading(): number {
  // xorshift32: small, deterministic, seeded below.
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return 20 + ((state >>> 0) % 1000) / 100;
}

await runNode({
  init(node) {
    state = (node.seed ^ 0x9e3779b9) | 1;
    const period = Number(node.config.period_us ?? 100_000);
    const tick = (): void => {
      node.send(String(node.config.target), { celsius: nextReading() }, { sizeBytes: 16 });
      node.setTimer(period, tick);
    };
    node.setTimer(0, tick);
  },
});
