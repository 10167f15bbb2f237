// An edge gateway as a real program: collects sensor readings and, every `window`
// readings, forwards their mean (per sensor kind) to `upstream`, in the payload shape
// the built-in cloud node reads (`readings`, `sampledAtUs`, `origin`, `count`).
// It only reacts to deliveries, so its output depends on nothing but its input.
import { runNode } from "@sim/protocol/sdk";

let batch = [];
let forwarded = 0;

await runNode({
  init(node) {
    console.error(`edge ${node.id}: window ${node.config.window ?? 4}, upstream ${node.config.upstream ?? "cloud"}`);
  },
  onDeliver(message, node) {
    const payload = message.payload ?? {};
    if (typeof payload.readings !== "object" || payload.readings === null) return;
    batch.push({ readings: payload.readings, sampledAtUs: payload.sampledAtUs ?? message.atUs, anomaly: payload.anomaly === true });
    if (batch.length < Number(node.config.window ?? 4)) return;
    const sums = {};
    for (const { readings } of batch) {
      for (const [kind, value] of Object.entries(readings)) sums[kind] = (sums[kind] ?? 0) + value;
    }
    const readings = Object.fromEntries(Object.entries(sums).map(([kind, sum]) => [kind, sum / batch.length]));
    node.send(String(node.config.upstream ?? "cloud"), {
      seq: forwarded++,
      origin: node.id,
      count: batch.length,
      sampledAtUs: Math.min(...batch.map((r) => r.sampledAtUs)),
      readings,
      anomaly: batch.some((r) => r.anomaly),
    });
    batch = [];
  },
  onShutdown(node) {
    node.log("info", `forwarded ${forwarded} aggregates`);
  },
});
