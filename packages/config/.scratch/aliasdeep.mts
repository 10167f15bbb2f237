import { parseScenario } from "../src/index.ts";
const depth = 60;
let text = "duration_sec: 1\nnodes: {g: {type: gateway}}\nx-a0: &a0 1\n";
for (let i = 1; i <= 12; i++) text += `x-a${i}: &a${i} ${"[".repeat(depth)}*a${i - 1}${"]".repeat(depth)}\n`;
const r = parseScenario(text);
console.log(r.ok, !r.ok && r.problems.map((p) => [p.code, p.line, p.message.slice(0, 80)]));
