/**
 * Rewrites scenarios/golden.json with the digests the current code produces.
 * Only for an intended change of semantics: commit the new file together with the
 * change and say why in the commit message.
 *
 *   pnpm golden:update
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { GOLDEN_FILE, goldenScenarios, runForDigest } from "../test/helpers/golden.js";

const golden: Record<string, string> = {};
for (const name of goldenScenarios()) {
  golden[name] = await runForDigest(name);
  console.log(`${golden[name]}  ${name}`);
}
await writeFile(GOLDEN_FILE, `${JSON.stringify(golden, null, 2)}\n`);
console.log(`wrote ${join(GOLDEN_FILE)}`);
