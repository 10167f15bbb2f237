import { readdirSync, writeFileSync } from "node:fs";
import { loadScenario } from "../src/index.ts";
const dir = new URL("../test/fixtures/invalid/", import.meta.url).pathname;
const out: Record<string, unknown[]> = {};
for (const f of readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort()) {
  try { await loadScenario(dir + f); out[f] = []; }
  catch (e: any) {
    out[f] = e.problems.map((p: any) => ({ ...(p.severity === "warning" ? { severity: "warning" } : {}), code: p.code, line: p.line, column: p.column, path: p.path, message: p.message.length > 70 ? p.message.slice(0, 70).replace(/\s\S*$/, "") : p.message, ...(p.hint && /did you mean|is a key of|quote it/.test(p.hint) ? { hint: p.hint } : {}) }));
  }
}
const lines = Object.entries(out).map(([f, ps]) => `  ${JSON.stringify(f)}: [\n${ps.map((p) => `    ${JSON.stringify(p)}`).join(",\n")}\n  ]`);
writeFileSync(dir + "expected.json", `{\n${lines.join(",\n")}\n}\n`);
