import { parseScenario } from "../src/index.ts";
const cpu = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1000; };
const n = 200;
let text = "duration_sec: 1\nnodes:\n  s: {type: sensor, count: 200}\n  g: {type: gateway, count: 200}\nnetwork:\n  type: latency\n  links:\n";
for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) text += `    - {from: s_${i}, to: g_${j}, latency_ms: ${(i * 7 + j) % 50}, loss: 0.01}\n`;
const c0 = cpu(); const t0 = Date.now();
const r = parseScenario(text);
console.log(text.length, "bytes; cpu", Math.round(cpu() - c0), "ms; wall", Date.now() - t0, r.ok);
