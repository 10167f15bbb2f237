import { parseScenario } from "../src/index.ts";
const text = "duration_sec: 1\nnodes:\n  s: {type: sensor, count: 100000}\n  g: {type: gateway, count: 3}\n";
for (let i = 0; i < 2; i++) {
  const c0 = process.cpuUsage(); const t0 = process.hrtime.bigint();
  const r = parseScenario(text, { source: "/x/t.yaml" });
  const c = process.cpuUsage(c0);
  console.log(r.ok, "wall", Number(process.hrtime.bigint() - t0) / 1e6, "ms; cpu", (c.user + c.system) / 1000, "ms");
}
