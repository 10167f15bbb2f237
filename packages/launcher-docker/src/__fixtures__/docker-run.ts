/**
 * Test support for the Docker suites: engine availability (skip loudly, or fail
 * under SIM_REQUIRE_DOCKER=1), the locally built test images, and a `dockerTest`
 * fixture that gives each test its own run id, launch context and launcher, and
 * fails the test if any container or network of that run outlived it (removing
 * the leftovers so that one failure does not cascade).
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { ResolvedNode, ResolvedScenario } from "@sim/config";
import type { LaunchContext } from "@sim/coordinator";
import type Docker from "dockerode";
import { afterAll, test } from "vitest";
import { createDockerLauncher, type DockerLauncher } from "../launcher.js";
import { LABEL_RUN_ID } from "../names.js";
import { RecordingResources, recordingLogger, REPO_ROOT, scenarioOf, testDocker, type LogEntry } from "./context.js";

export * from "./context.js";

/** Every run id a suite uses starts with this, so the suite's leak check ignores other people's runs. */
const SUITE_PREFIX = `t${process.pid}`;
let runCounter = 0;

/**
 * True when the engine answers. Without it the suite is skipped with a loud
 * warning, or, with SIM_REQUIRE_DOCKER=1 (CI), the suite fails.
 */
export async function dockerAvailable(): Promise<boolean> {
  try {
    await testDocker().ping();
    return true;
  } catch (error) {
    const reason = `the Docker engine at unix:///var/run/docker.sock is not reachable: ${(error as Error).message}`;
    if (process.env.SIM_REQUIRE_DOCKER === "1") throw new Error(`SIM_REQUIRE_DOCKER=1 but ${reason}`);
    console.warn(`\n${"!".repeat(78)}\n!! SKIPPING DOCKER TESTS: ${reason}\n!! Set SIM_REQUIRE_DOCKER=1 to make this a failure.\n${"!".repeat(78)}\n`);
    return false;
  }
}

const exec = promisify(execFile);

/** Builds a test image with images/build.sh when it is missing or outdated (idempotent, about 0.1-1 s when current). */
export async function ensureTestImage(name: "busybox" | "node"): Promise<string> {
  const { stdout } = await exec(join(REPO_ROOT, "images/build.sh"), [name], { cwd: REPO_ROOT });
  return stdout.trim().split("\n").pop() ?? "";
}

export interface DockerRun {
  readonly runId: string;
  readonly docker: Docker;
  readonly launcher: DockerLauncher;
  readonly resources: RecordingResources;
  readonly logs: LogEntry[];
  readonly logDir: string;
  /** A launch context for `nodes` (the scenario lists them, as the harness's would). */
  context(nodes: ResolvedNode[], overrides?: Partial<ResolvedScenario> & { signal?: AbortSignal }): LaunchContext;
  /** The text of `<logDir>/<node>.log`. */
  logOf(node: string): Promise<string>;
  /** Containers and networks on the engine that carry this run's id. */
  leftovers(): Promise<{ containers: string[]; networks: string[] }>;
}

async function leftoversOf(docker: Docker, match: (runId: string) => boolean) {
  const [containers, networks] = await Promise.all([
    docker.listContainers({ all: true, filters: { label: [LABEL_RUN_ID] } }),
    docker.listNetworks({ filters: { label: [LABEL_RUN_ID] } }),
  ]);
  return {
    containers: containers.filter((c) => match(c.Labels[LABEL_RUN_ID] ?? "")).map((c) => c.Id),
    networks: networks.filter((n) => match(n.Labels?.[LABEL_RUN_ID] ?? "")).map((n) => n.Id),
  };
}

async function removeAll(docker: Docker, found: { containers: string[]; networks: string[] }): Promise<void> {
  await Promise.all(found.containers.map((id) => docker.getContainer(id).remove({ force: true, v: true }).catch(() => {})));
  await Promise.all(found.networks.map((id) => docker.getNetwork(id).remove().catch(() => {})));
}

/** A test with a fresh `run`; the test fails if a container or network of the run outlives it. */
export const dockerTest = test.extend<{ run: DockerRun }>({
  // vitest reads a fixture's dependencies from this (empty) destructuring pattern.
  run: async ({}, use) => {
    const runId = `${SUITE_PREFIX}-${++runCounter}`;
    const docker = testDocker();
    const logDir = await mkdtemp(join(tmpdir(), `sim-docker-${runId}-`));
    const resources = new RecordingResources(runId);
    const logs: LogEntry[] = [];
    const launcher = createDockerLauncher();
    const run: DockerRun = {
      runId,
      docker,
      launcher,
      resources,
      logs,
      logDir,
      context(nodes, overrides = {}) {
        const { signal, ...scenario } = overrides;
        return {
          runId,
          scenario: scenarioOf(nodes, scenario),
          logDir,
          resources,
          logger: recordingLogger(logs),
          ...(signal === undefined ? {} : { signal }),
        };
      },
      logOf: (node) => readFile(join(logDir, `${node}.log`), "utf8"),
      leftovers: () => leftoversOf(docker, (id) => id === runId),
    };
    try {
      await use(run);
    } finally {
      await rm(logDir, { recursive: true, force: true });
      await assertRunClean(docker, runId, resources);
    }
  },
});

/**
 * Fails when a container or network labelled with `runId` still exists (removing it,
 * so that one failure does not cascade), or when the registry still lists a resource.
 */
export async function assertRunClean(docker: Docker, runId: string, resources: RecordingResources): Promise<void> {
  const found = await leftoversOf(docker, (id) => id === runId);
  await removeAll(docker, found);
  if (found.containers.length + found.networks.length > 0) {
    throw new Error(`run ${runId} left ${found.containers.length} container(s) and ${found.networks.length} network(s) behind (now removed)`);
  }
  const unregistered = [...resources.containers.keys(), ...resources.networks.keys()];
  if (unregistered.length > 0) {
    throw new Error(`run ${runId}: the registry still lists ${unregistered.length} resource(s) that are gone: ${unregistered.join(", ")}`);
  }
}

/**
 * Registers the suite-level check: after the file, no container or network labelled
 * `sim.run-id` by any of its runs exists. Resources of other runs (another suite or a
 * harness running at the same time on this engine) are only reported, never touched.
 */
export function checkNothingLeftAfterSuite(): void {
  afterAll(async () => {
    const docker = testDocker();
    const foreign = await leftoversOf(docker, (id) => !id.startsWith(`${SUITE_PREFIX}-`));
    if (foreign.containers.length + foreign.networks.length > 0) {
      console.warn(`note: ${foreign.containers.length} container(s) and ${foreign.networks.length} network(s) of other sim runs exist on the engine`);
    }
    const found = await leftoversOf(docker, (id) => id.startsWith(`${SUITE_PREFIX}-`));
    await removeAll(docker, found);
    if (found.containers.length + found.networks.length > 0) {
      throw new Error(`the suite left ${found.containers.length} container(s) and ${found.networks.length} network(s) labelled sim.run-id`);
    }
  });
}
