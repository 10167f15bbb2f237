import { defineConfig } from "vitest/config";

// Tests resolve workspace packages through the "@sim/source" export condition, the
// same one tsconfig's customConditions uses, so nothing has to be built before testing.
const conditions = ["@sim/source", "import", "module", "node", "default"];

const docker = ["**/*.docker.test.ts"];
const renode = ["**/*.renode.test.ts"];
const qemu = ["**/*.qemu.test.ts"];
const slurm = ["**/*.slurm.test.ts"];
const slow = ["**/*.slow.test.ts"];
const browser = ["**/*.browser.test.ts"];
const registry = ["**/*.registry.test.ts"];
const all = ["packages/*/src/**/*.test.ts", "test/**/*.test.ts"];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    pool: "forks",
    // Two files at a time even on a 2-core machine (vitest's default there is one): most
    // slow tests wait on processes, containers and timers rather than compute, and CI
    // has to run the whole suite twice (Node 20 and 24) in well under 20 minutes.
    maxWorkers: 2,
    // In CI a JSON report too, from which .ci/run prints its closing "N passed, N failed" line.
    reporters: process.env.CI ? ["default", ["json", { outputFile: ".vitest-report.json" }]] : ["default"],
    projects: [
      {
        extends: true,
        test: { name: "unit", include: all, exclude: [...docker, ...renode, ...qemu, ...slurm, ...slow, ...browser, ...registry, "**/node_modules/**"], testTimeout: 15_000 },
      },
      {
        extends: true,
        test: { name: "slow", include: slow, exclude: ["**/node_modules/**"], testTimeout: 120_000, hookTimeout: 60_000 },
      },
      {
        extends: true,
        test: { name: "docker", include: docker, exclude: ["**/node_modules/**"], testTimeout: 120_000, hookTimeout: 120_000, fileParallelism: false },
      },
      {
        extends: true,
        // One file at a time: they share the one-node cluster.
        test: { name: "slurm", include: slurm, exclude: ["**/node_modules/**"], testTimeout: 300_000, hookTimeout: 60_000, fileParallelism: false },
      },
      {
        extends: true,
        // Reports opened in a real chromium (playwright-core, Debian's /usr/bin/chromium); SIM_REQUIRE_BROWSER=1 makes a missing one a failure.
        test: { name: "browser", include: browser, exclude: ["**/node_modules/**"], testTimeout: 120_000, hookTimeout: 300_000 },
      },
      {
        extends: true,
        // A release through a throwaway Verdaccio (test/release.registry.test.ts); SIM_REQUIRE_REGISTRY=1 makes a missing one a failure.
        // It runs after every other project (groupOrder 1): publishing packs each package, which rebuilds
        // its dist/, and no other test may be reading a dist/ at that moment.
        test: {
          name: "registry",
          include: registry,
          exclude: ["**/node_modules/**"],
          testTimeout: 600_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: { name: "renode", include: renode, exclude: ["**/node_modules/**"], testTimeout: 120_000, hookTimeout: 60_000 },
      },
      {
        extends: true,
        // Real firmware in Debian's qemu-system-arm, stepped by the sim-qemu-step plugin (built with gcc on first use);
        // SIM_REQUIRE_QEMU=1 makes a missing qemu-system-arm or compiler a failure.
        // Alone and last (groupOrder 2, one file at a time): stepping is exact on a quiet machine, and
        // under heavy load a stop was seen to overshoot its grant (docs/qemu.md, an open problem).
        test: { name: "qemu", include: qemu, exclude: ["**/node_modules/**"], testTimeout: 120_000, hookTimeout: 120_000, fileParallelism: false, sequence: { groupOrder: 2 } },
      },
    ],
  },
});
