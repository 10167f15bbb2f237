import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createProtocolNode } from "./packages/protocol/src/index.js";
const cpu = (pid: number) => { const t = readFileSync(`/proc/${pid}/stat`, "latin1"); const f = t.slice(t.lastIndexOf(")") + 2).split(" "); return (Number(f[11]) + Number(f[12])) * 10; };
const ctxsw = (pid: number) => { const s = readFileSync(`/proc/${pid}/status`, "utf8"); return Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(s)![1]) + Number(/nonvoluntary_ctxt_switches:\s+(\d+)/.exec(s)![1]); };
const N = 8, Q = 3000;
async function run(name: string, args: (i: number) => string[], cwd: string) {
  const cs = Array.from({ length: N }, (_, i) => spawn(process.execPath, args(i), { cwd, stdio: ["pipe", "pipe", "inherit"] }));
  const ns = cs.map((c, i) => createProtocolNode({ id: "n" + i, type: "process", stdin: c.stdin, stdout: c.stdout, config: { next: "n" + ((i + 1) % N) }, quantumWallMs: 30000 }));
  await Promise.all(ns.map((n) => n.start({ seed: 1, timeQuantumUs: 10000 })));
  let inb: any[][] = ns.map(() => []);
  const step = async (k: number) => {
    const outs = await Promise.all(ns.map((n, i) => n.advance((k + 1) * 10000, inb[i]!)));
    inb = ns.map(() => []);
    outs.forEach((o, i) => o.forEach((m) => inb[Number(m.to.slice(1))]!.push({ from: "n" + i, atUs: m.atUs + 10000, payload: m.payload, sizeBytes: m.sizeBytes })));
  };
  for (let k = 0; k < 200; k++) await step(k);
  const c0 = cs.reduce((a, c) => a + cpu(c.pid!), 0), s0 = cs.reduce((a, c) => a + ctxsw(c.pid!), 0), p0 = process.cpuUsage(), t0 = performance.now();
  for (let k = 200; k < 200 + Q; k++) await step(k);
  const ms = performance.now() - t0, p = process.cpuUsage(p0), cc = cs.reduce((a, c) => a + cpu(c.pid!), 0) - c0, sw = cs.reduce((a, c) => a + ctxsw(c.pid!), 0) - s0;
  const threads = readFileSync(`/proc/${cs[0]!.pid}/status`, "utf8").match(/Threads:\s+(\d+)/)![1];
  const rss = readFileSync(`/proc/${cs[0]!.pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)![1];
  console.log(name.padEnd(10), "wall µs/b", (ms * 1000 / Q).toFixed(0), "parent cpu", ((p.user + p.system) / Q).toFixed(0), "children cpu", (cc * 1000 / Q).toFixed(0), "ctxsw/child/q", (sw / N / Q).toFixed(2), "threads", threads, "rssKB", rss);
  await Promise.all(ns.map((n) => n.shutdown()));
}
for (let r = 0; r < 2; r++) {
  await run("bare", (i) => ["/work/main/bench/lockstep-bare-child.mjs", "n" + ((i + 1) % N)], "/work/main");
  await run("sdk-built", () => ["/tmp/ring-built.mjs"], "/work/main");
  await run("sdk-tsx", () => ["--import", "tsx", "ring.ts"], "/work/main/examples/nodes/ts");
}
