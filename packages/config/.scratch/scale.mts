import { parseDocument } from "yaml";
const cpu = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1000; };
for (const n of [50000, 100000, 200000, 400000]) {
  const flow = `a: [${Array.from({ length: n }, () => "1").join(",")}]\n`;
  const block = `a:\n${Array.from({ length: n }, () => "  - 1").join("\n")}\n`;
  let c0 = cpu(); parseDocument(flow, { schema: "core" }); const f = cpu() - c0;
  c0 = cpu(); parseDocument(block, { schema: "core" }); const b = cpu() - c0;
  console.log(n, "flow", Math.round(f), "ms", flow.length, "block", Math.round(b), "ms", block.length);
}
