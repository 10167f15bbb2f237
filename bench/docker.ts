// Container start/stop throughput: 20 `protocol: none` containers launched and removed
// through the Docker launcher (prepare, launches in parallel, stops in parallel,
// cleanup), against the same 20 with the docker CLI one after the other
// (`docker run -d` x20, then `docker rm -f` x20). Both on the same image, network
// and flags (--init, labels). Prints both wall times and their ratio.
//
//   pnpm bench:docker [--containers 20] [--json]
//   (= node --conditions=@sim/source --import tsx bench/docker.ts)
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs, promisify } from "node:util";
import { createDockerLauncher, LABEL_RUN_ID } from "../packages/launcher-docker/src/index.js";
import {
  BUSYBOX,
  dockerNode,
  RecordingResources,
  recordingLogger,
  REPO_ROOT,
  scenarioOf,
  testDocker,
} from "../packages/launcher-docker/src/__fixtures__/context.js";

const { values } = parseArgs({
  options: {
    containers: { type: "string", default: "20" },
    json: { type: "boolean", default: false },
  },
});
const COUNT = Number(values.containers);
const exec = promisify(execFile);
const docker = (...args: string[]) => exec("docker", args);

async function viaLauncher(runId: string): Promise<number> {
  const launcher = createDockerLauncher();
  const nodes = Array.from({ length: COUNT }, (_, i) =>
    dockerNode(`svc_${i}`, { group: "svc", group_index: i, group_size: COUNT, command: ["sleep", "3600"] }),
  );
  const logDir = await mkdtemp(join(tmpdir(), "sim-bench-docker-"));
  const ctx = {
    runId,
    scenario: scenarioOf(nodes, { name: "bench-docker" }),
    logDir,
    resources: new RecordingResources(runId),
    logger: recordingLogger([]),
  };
  const t0 = performance.now();
  await launcher.prepare(nodes, ctx);
  const started = await Promise.all(nodes.map((node) => launcher.launch(node, ctx)));
  await Promise.all(started.map((s) => s.stop()));
  await launcher.cleanup(ctx);
  const seconds = (performance.now() - t0) / 1000;
  await rm(logDir, { recursive: true, force: true });
  return seconds;
}

async function viaCli(runId: string): Promise<number> {
  const network = `sim-${runId}-default`;
  const t0 = performance.now();
  await docker("network", "create", "--label", `${LABEL_RUN_ID}=${runId}`, network);
  const ids: string[] = [];
  for (let i = 0; i < COUNT; i++) {
    const { stdout } = await docker(
      "run", "-d", "--init", "--network", network, "--name", `sim-${runId}-svc_${i}`,
      "--label", `${LABEL_RUN_ID}=${runId}`, "--label", "sim.scenario=bench-docker", "--label", `sim.node=svc_${i}`,
      BUSYBOX, "sleep", "3600",
    );
    ids.push(stdout.trim());
  }
  for (const id of ids) await docker("rm", "-f", "-v", id);
  await docker("network", "rm", network);
  return (performance.now() - t0) / 1000;
}

/** Whatever a failed run left behind (by label), so the benchmark never leaks. */
async function removeLeftovers(runIds: string[]): Promise<number> {
  const engine = testDocker();
  let removed = 0;
  for (const runId of runIds) {
    const f = { label: [`${LABEL_RUN_ID}=${runId}`] };
    for (const c of await engine.listContainers({ all: true, filters: f })) {
      await engine.getContainer(c.Id).remove({ force: true, v: true });
      removed++;
    }
    for (const n of await engine.listNetworks({ filters: f })) {
      await engine.getNetwork(n.Id).remove();
      removed++;
    }
  }
  return removed;
}

await exec(join(REPO_ROOT, "images/build.sh"), ["busybox"]);
const stamp = `${process.pid}`;
const runIds = [`bench-launcher-${stamp}`, `bench-cli-${stamp}`];
try {
  // One warm-up container so that neither side pays for a cold image cache.
  await docker("run", "--rm", "--init", BUSYBOX, "true");
  const launcherSeconds = await viaLauncher(runIds[0] as string);
  const cliSeconds = await viaCli(runIds[1] as string);
  const result = {
    bench: "docker",
    containers: COUNT,
    launcher_parallel_s: Number(launcherSeconds.toFixed(3)),
    cli_sequential_s: Number(cliSeconds.toFixed(3)),
    speedup: Number((cliSeconds / launcherSeconds).toFixed(2)),
  };
  if (values.json) {
    console.log(JSON.stringify(result));
  } else {
    console.log(`${COUNT} containers, launch + remove:`);
    console.log(`  sim launcher (parallel):   ${result.launcher_parallel_s.toFixed(2)} s`);
    console.log(`  docker CLI (one by one):   ${result.cli_sequential_s.toFixed(2)} s`);
    console.log(`  ratio CLI / launcher:      ${result.speedup.toFixed(2)}x`);
  }
} finally {
  const left = await removeLeftovers(runIds);
  if (left > 0) {
    console.error(`bench/docker: removed ${left} leftover container(s)/network(s)`);
    process.exitCode = 1;
  }
}
