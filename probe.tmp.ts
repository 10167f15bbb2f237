import { PassThrough } from "node:stream";
import { createProtocolNode } from "./packages/protocol/src/index.js";
const N = 8, Q = 20000;
const nodes = Array.from({ length: N }, (_, i) => {
  const stdin = new PassThrough(), stdout = new PassThrough();
  stdin.setEncoding("utf8");
  stdin.on("data", (c: string) => {
    if (c.includes('"init"')) return void stdout.write('{"type":"ready","protocol":1}\n');
    const m = /"until_us":(\d+)/.exec(c);
    if (m) stdout.write(`{"type":"send","at_us":${Number(m[1]) - 10000},"to":"n${(i + 1) % N}","payload":{"n":1,"from":"n${i}"},"size_bytes":32}\n{"type":"done","now_us":${m[1]}}\n`);
  });
  return createProtocolNode({ id: "n" + i, type: "process", stdin, stdout, config: {}, quantumWallMs: 30000 });
});
await Promise.all(nodes.map((n) => n.start({ seed: 1, timeQuantumUs: 10000 })));
let inb: any[][] = nodes.map(() => []);
const step = async (k: number) => {
  const outs = await Promise.all(nodes.map((n, i) => n.advance((k + 1) * 10000, inb[i]!)));
  inb = nodes.map(() => []);
  outs.forEach((o, i) => o.forEach((m) => inb[Number(m.to.slice(1))]!.push({ from: "n" + i, atUs: m.atUs + 10000, payload: m.payload, sizeBytes: m.sizeBytes })));
};
for (let k = 0; k < 2000; k++) await step(k);
for (let r = 0; r < 3; r++) {
  const p0 = process.cpuUsage(); const t0 = performance.now();
  for (let k = 2000 + r * Q; k < 2000 + (r + 1) * Q; k++) await step(k);
  const p = process.cpuUsage(p0);
  console.log("wall µs/barrier", ((performance.now() - t0) * 1000 / Q).toFixed(1), "cpu µs/barrier", ((p.user + p.system) / Q).toFixed(1));
}
