import { parseScenario } from "../src/index.ts";
const cpu = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1000; };
const items = Math.floor((10 * 1024 * 1024 - 200) / 6);
const text = `duration_sec: 1\nnodes:\n  g: {type: gateway}\nx-pad:\n${"  - 1\n".repeat(items)}`;
const c0 = cpu(); const t0 = Date.now();
const r = parseScenario(text);
console.log(text.length, "bytes", items, "items; cpu", Math.round(cpu() - c0), "ms; wall", Date.now() - t0, "ms", r.ok, !r.ok && r.problems.map((p) => p.code));
