import { describe, expect, test } from "vitest";
import { expectedDigest, goldenScenarios, runForDigest } from "./helpers/golden.js";

// The digests in scenarios/golden.json are the trace each scenario must produce, on
// Node 20 and Node 24 alike (CI runs both). A change here is a change of semantics:
// update the file in the same commit (pnpm golden:update) and say why. Scenarios with
// QEMU nodes are checked by test/qemu-scenarios.qemu.test.ts, in the qemu project.
describe("golden digests", () => {
  for (const name of goldenScenarios({ qemu: false })) {
    test(name, { timeout: 120_000 }, async () => {
      expect(await runForDigest(name)).toBe(expectedDigest(name));
    });
  }
});
