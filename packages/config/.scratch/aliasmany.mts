import { parseScenario } from "../src/index.ts";
for (const n of [50, 150, 1000]) {
  let text = "duration_sec: 1\nx-s: &s {type: sensor, period_ms: 10, sensors: [temperature, humidity]}\nnodes:\n  g: {type: gateway}\n";
  for (let i = 0; i < n; i++) text += `  s${i}: {<<: *s, start_ms: ${i}}\n`;
  const r = parseScenario(text);
  console.log(n, r.ok, !r.ok && r.problems.slice(0, 2).map((p) => [p.code, p.line]));
}
