import { parseScenario } from "../src/index.ts";
let text = `duration_sec: 1\nx-big: &big [${Array.from({ length: 100000 }, () => "1").join(",")}]\nnodes:\n  g: {type: gateway}\n  p:\n    type: process\n    command: [x]\n    config:\n`;
for (let i = 0; i < 200; i++) text += `      k${i}: *big\n`;
const t0 = Date.now();
const r = parseScenario(text);
console.log(text.length, Date.now() - t0, "ms", r.ok, !r.ok && r.problems.map((p) => [p.code, p.message]));
