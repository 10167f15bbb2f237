import { readdirSync } from "node:fs";
import { loadScenario, formatProblem } from "../src/index.ts";
const dir = new URL("../test/fixtures/invalid/", import.meta.url).pathname;
for (const f of readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort()) {
  try { await loadScenario(dir + f); console.log(f, "LOADED!"); }
  catch (e: any) {
    console.log(`== ${f}`);
    for (const p of e.problems ?? [e]) console.log("  ", formatProblem(p).replace(dir, ""), JSON.stringify(p.path), p.code);
  }
}
