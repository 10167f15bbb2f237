import { loadScenario, parseScenario, formatProblem } from "/work/main/packages/config/src/index.ts";
const r = await loadScenario("/work/main/scenarios/minimal.yaml");
console.log(JSON.stringify(r, null, 1));
const bad = parseScenario(`duraton_sec: 1
seed: -1
nodes:
  s:
    type: sensor
    perod_ms: 5
    target: gw
  g:
    type: gatway
  p:
    type: process
  d:
    type: docker
    upstream: x
  "1x": {type: cloud}
network:
  type: latency
  links:
    - {from: s, to: nowhere, latency_ms: -1}
ml_inference: {placement: egde}
`, { source: "bad.yaml" });
if (!bad.ok) for (const p of bad.problems) console.log(formatProblem(p), JSON.stringify(p.path), p.code);
