/**
 * A release through a real private registry: starts Verdaccio (a throwaway storage
 * folder, a generated config: `@sim/*` local only, everything else through an uplink
 * to the public registry), publishes every package with the maintainer's command
 * from docs/publishing.md (`pnpm release`), then installs them the way a consumer
 * does, in fresh folders outside the workspace: `@sim/harness` with npm and with
 * pnpm (runs `npx sim run` and a script importing runScenario, checks the golden
 * digests, also of a TypeScript `type: module` node, type-checks with `tsc --noEmit`,
 * skipLibCheck off), and `@sim/coordinator` alone. Prints the install sizes. Stops
 * Verdaccio and checks that its process is gone.
 *
 * Needs the public npm registry (through the uplink) and the `verdaccio` dev
 * dependency; SIM_REQUIRE_REGISTRY=1 (as in CI) makes a missing Verdaccio a failure.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { expectedDigest } from "./helpers/golden.js";
import { isProcessAlive } from "@sim/process-tree";
import { processesWithArg, waitUntil } from "./helpers/processes.js";
import { repoRoot, scenariosDir } from "./helpers/sim-cli.js";

const require = createRequire(import.meta.url);
const verdaccioBin = (() => {
  try {
    return join(dirname(require.resolve("verdaccio/package.json")), "bin", "verdaccio");
  } catch {
    return null;
  }
})();

if (verdaccioBin === null && process.env.SIM_REQUIRE_REGISTRY !== "1") {
  console.warn(`\n${"!".repeat(78)}\n!! SKIPPING THE RELEASE TEST: verdaccio is not installed (pnpm install).\n!! Set SIM_REQUIRE_REGISTRY=1 to make this a failure.\n${"!".repeat(78)}\n`);
}

test.runIf(verdaccioBin === null && process.env.SIM_REQUIRE_REGISTRY === "1")("verdaccio is installed (SIM_REQUIRE_REGISTRY=1)", () => {
  expect.fail("SIM_REQUIRE_REGISTRY=1 but verdaccio is missing: pnpm install (it is a root dev dependency)");
});

/** The versions consumers install; TypeScript as in the workspace. */
const TYPESCRIPT = "typescript@6.0.3";
const TYPES_NODE = "@types/node@^20.19.0";
/** Verdaccio answers its ping within a few seconds; a loaded CI machine gets more. */
const REGISTRY_START_TIMEOUT_MS = 60_000;
/** SIGTERM, then SIGKILL after this long: Verdaccio closes its server at once. */
const REGISTRY_STOP_GRACE_MS = 10_000;

const PACKAGES = readdirSync(join(repoRoot, "packages")).map((dir) => {
  const manifest = JSON.parse(readFileSync(join(repoRoot, "packages", dir, "package.json"), "utf8")) as { name: string; version: string };
  return { dir, name: manifest.name, version: manifest.version };
});
const QUICKSTART_DIGEST = expectedDigest("quickstart.yaml");
const MOBILE_SENSOR_DIGEST = expectedDigest("mobile-sensor.yaml");

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Environment of every command: no npm/pnpm settings inherited from the test runner, the test's user npmrc. */
function commandEnv(userconfig: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm_|pnpm_|NPM_CONFIG_|PNPM_)/i.test(key)) env[key] = value;
  }
  return { ...env, NPM_CONFIG_USERCONFIG: userconfig, npm_config_update_notifier: "false", npm_config_fund: "false", npm_config_audit: "false", ...extra };
}

function run(file: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs a command and fails the test, with its output, unless it exits 0. */
async function ok(file: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Result> {
  const result = await run(file, args, options);
  if (result.code !== 0) throw new Error(`${file} ${args.join(" ")} (in ${options.cwd}) exited ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);
  return result;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** Live processes whose working directory is one of `dirs` or inside one. */
function processesIn(dirs: readonly string[]): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`);
      if (dirs.some((dir) => cwd === dir || cwd.startsWith(`${dir}/`)) && isProcessAlive(Number(entry))) found.push(Number(entry));
    } catch {
      // gone, or not ours to look at
    }
  }
  return found;
}

function sha256(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

function du(path: string): Promise<string> {
  return run("du", ["-sh", path], { cwd: dirname(path), env: process.env }).then((r) => r.stdout.split("\t")[0]!.trim());
}

/** The ```ts block of a package's README, as a module. */
function readmeExample(dir: string): string {
  const readme = readFileSync(join(repoRoot, "packages", dir, "README.md"), "utf8");
  const match = /```ts\n([\s\S]*?)```/.exec(readme);
  if (match === null) throw new Error(`packages/${dir}/README.md has no ts example`);
  return match[1]!;
}

const CONSUMER_TSCONFIG = {
  compilerOptions: {
    target: "es2022",
    module: "nodenext",
    moduleResolution: "nodenext",
    strict: true,
    skipLibCheck: false,
    noEmit: true,
    types: ["node"],
  },
  include: ["*.ts"],
};

/** A consumer's typed use of @sim/harness (type-checked only). */
const HARNESS_CONSUMER_TS = `import { runScenario, runSweep, SIM_VERSION, LaunchFailedError, type RunResult } from "@sim/harness";

const result: RunResult = await runScenario("quickstart.yaml", { seed: 42, outDir: "runs/typed" });
const digest: string | null = result.digest;
console.log(SIM_VERSION, digest, result.summary?.latency_ms.cloud?.p95, typeof runSweep, LaunchFailedError.name);
`;

/** Runs quickstart through the API and prints its digest (executed with node). */
const HARNESS_CONSUMER_MJS = `import { runScenario } from "@sim/harness";

const result = await runScenario("quickstart.yaml", { outDir: "runs/script", stateDir: "state" });
console.log(JSON.stringify({ success: result.success, digest: result.digest }));
`;

/** Two in-process nodes on the bare engine (executed with node, and type-checked as .ts). */
const COORDINATOR_CONSUMER = `import { Coordinator, MemoryTraceSink } from "@sim/coordinator";

class Echo {
  kind = "in-process";
  type = "echo";
  constructor(id, peer) {
    this.id = id;
    this.peer = peer;
  }
  start(ctx) {
    if (this.id === "a") ctx.send(this.peer, 0, 8);
  }
  timer() {}
  receive(msg, ctx) {
    if (msg.payload < 99) ctx.send(this.peer, msg.payload + 1, 8);
  }
}

const run = () => new Coordinator({ nodes: [new Echo("a", "b"), new Echo("b", "a")], seed: 5, durationUs: 10_000_000, trace: new MemoryTraceSink() }).run();
const [first, second] = [await run(), await run()];
console.log(JSON.stringify({ success: first.success, sent: first.messages.sent, same: first.digest === second.digest }));
`;

describe.runIf(verdaccioBin !== null)("a release through a private registry (Verdaccio)", () => {
  const work = mkdtempSync(join(tmpdir(), "sim-release-"));
  const userconfig = join(work, "user.npmrc");
  const folders: string[] = [work];
  let registry = "";
  let verdaccio: ChildProcess | null = null;
  let verdaccioLog = "";
  const sizes: Record<string, string> = {};
  const seconds: Record<string, number> = {};
  const started = Date.now();

  /** Runs `step`, noting its wall time for the closing line. */
  async function timed<T>(name: string, step: () => Promise<T>): Promise<T> {
    const t0 = Date.now();
    try {
      return await step();
    } finally {
      seconds[name] = Math.round((Date.now() - t0) / 100) / 10;
    }
  }

  function consumerFolder(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), `sim-consumer-${prefix}-`));
    folders.push(dir);
    expect(dir.startsWith(repoRoot)).toBe(false);
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: `sim-consumer-${prefix}`, private: true, type: "module" }, null, 2));
    // What docs/publishing.md tells a consumer: map the scope. The default registry
    // is the test's too, so that third-party packages come through its uplink.
    writeFileSync(join(dir, ".npmrc"), `@sim:registry=${registry}\nregistry=${registry}\n`);
    copyFileSync(join(scenariosDir, "quickstart.yaml"), join(dir, "quickstart.yaml"));
    // A node type of the consumer's own, in TypeScript (type: module), outside tsc's `include`.
    copyFileSync(join(scenariosDir, "mobile-sensor.yaml"), join(dir, "mobile-sensor.yaml"));
    mkdirSync(join(dir, "nodes"));
    copyFileSync(join(scenariosDir, "nodes", "mobile-sensor.ts"), join(dir, "nodes", "mobile-sensor.ts"));
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(CONSUMER_TSCONFIG, null, 2));
    return dir;
  }

  beforeAll(async () => {
    const port = await freePort();
    registry = `http://127.0.0.1:${port}/`;
    const config = join(work, "verdaccio.yaml");
    writeFileSync(
      config,
      [
        `storage: ${join(work, "storage")}`,
        "auth:",
        "  htpasswd:",
        `    file: ${join(work, "htpasswd")}`,
        "    max_users: 1",
        "uplinks:",
        "  npmjs:",
        "    url: https://registry.npmjs.org/",
        "    timeout: 60s",
        "packages:",
        // Our names never go to the uplink: only what was published here exists.
        '  "@sim/*":',
        "    access: $all",
        "    publish: $authenticated",
        '  "**":',
        "    access: $all",
        "    publish: no-one-may-publish-here",
        "    proxy: npmjs",
        "web:",
        "  enable: false",
        "log: { type: stdout, format: json, level: warn }",
        "",
      ].join("\n"),
    );
    verdaccio = spawn(process.execPath, [verdaccioBin!, "--config", config, "--listen", `127.0.0.1:${port}`], { cwd: work, stdio: ["ignore", "pipe", "pipe"] });
    verdaccio.stdout!.on("data", (chunk: Buffer) => (verdaccioLog += chunk.toString()));
    verdaccio.stderr!.on("data", (chunk: Buffer) => (verdaccioLog += chunk.toString()));
    const deadline = Date.now() + REGISTRY_START_TIMEOUT_MS;
    for (;;) {
      if (verdaccio.exitCode !== null) throw new Error(`verdaccio exited ${verdaccio.exitCode}:\n${verdaccioLog}`);
      const ping = await fetch(`${registry}-/ping`).catch(() => null);
      if (ping?.ok) break;
      if (Date.now() > deadline) throw new Error(`verdaccio did not answer on ${registry} within ${REGISTRY_START_TIMEOUT_MS} ms:\n${verdaccioLog}`);
      await new Promise((r) => setTimeout(r, 200));
    }

    // The maintainer's account, through the registry's own API (what `npm adduser` does).
    const user = await fetch(`${registry}-/user/org.couchdb.user:sim-release`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "sim-release", password: `pw-${process.pid}-${port}`, type: "user", roles: [] }),
    });
    expect(user.status).toBe(201);
    const { token } = (await user.json()) as { token: string };
    // The maintainer's user-level npmrc, as docs/publishing.md shows it.
    writeFileSync(userconfig, `@sim:registry=${registry}\n//127.0.0.1:${port}/:_authToken=${token}\n`);
    // A consumer has no token and nothing in its user npmrc: the project's .npmrc maps the scope.
    writeFileSync(join(work, "consumer.npmrc"), "");
  });

  afterAll(async () => {
    try {
      if (verdaccio !== null && verdaccio.pid !== undefined) {
        const pid = verdaccio.pid;
        if (verdaccio.exitCode === null && verdaccio.signalCode === null) {
          const exited = new Promise((r) => verdaccio!.once("exit", r));
          verdaccio.kill("SIGTERM");
          const killer = setTimeout(() => verdaccio!.kill("SIGKILL"), REGISTRY_STOP_GRACE_MS);
          await exited;
          clearTimeout(killer);
        }
        // Nothing left running: neither Verdaccio nor anything started with its config.
        expect(isProcessAlive(pid)).toBe(false);
        await waitUntil(() => processesWithArg(join(work, "verdaccio.yaml")).length === 0, 10_000, "no process started with the test registry's config");
      }
      // Nor any npm, pnpm, sim or tsc process still working in one of the test's folders.
      await waitUntil(() => processesIn(folders).length === 0, 10_000, "no process left in the test's folders").catch((error: Error) => {
        throw new Error(`${error.message}; still there: ${processesIn(folders).map((p) => `${p} ${readFileSync(`/proc/${p}/cmdline`, "utf8").replaceAll("\0", " ")}`).join("; ")}`);
      });
    } finally {
      for (const dir of folders) rmSync(dir, { recursive: true, force: true });
    }
    for (const dir of folders) expect(existsSync(dir)).toBe(false);
    console.log(`release test: ${((Date.now() - started) / 1000).toFixed(1)} s (steps, s: ${JSON.stringify(seconds)}); installed sizes (du -sh node_modules): ${JSON.stringify(sizes)}`);
  });

  test("the publish guard refuses when the scope is not mapped", async () => {
    // Same command, same package, but a user npmrc without the @sim mapping: the
    // prepublishOnly guard stops it before anything is packed or sent.
    const bare = join(work, "bare.npmrc");
    writeFileSync(bare, "");
    const result = await run("pnpm", ["publish", "--no-git-checks", "--dry-run"], { cwd: join(repoRoot, "packages", "protocol"), env: commandEnv(bare) });
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain("refusing to publish @sim/protocol: the @sim scope is not mapped");
  });

  test("the maintainer's command publishes every package", async () => {
    const result = await timed("pnpm release", () => ok("pnpm", ["release", "--no-git-checks"], { cwd: repoRoot, env: commandEnv(userconfig) }));
    for (const { name, version } of PACKAGES) {
      expect(result.stdout + result.stderr).toContain(`${name} -> ${registry}`);
      const response = await fetch(`${registry}${name.replace("/", "%2f")}`);
      expect(response.status, name).toBe(200);
      const packument = (await response.json()) as { "dist-tags": Record<string, string>; versions: Record<string, { dist: { tarball: string }; dependencies?: Record<string, string> }> };
      expect(packument["dist-tags"].latest).toBe(version);
      const published = packument.versions[version]!;
      // workspace: ranges became the release's own version, caret.
      for (const [dep, range] of Object.entries(published.dependencies ?? {})) {
        expect(range, `${name} -> ${dep}`).toMatch(/^\^\d+\.\d+\.\d+$/);
        if (dep.startsWith("@sim/")) expect(range).toBe(`^${version}`);
      }
      expect(Object.keys(published.dependencies ?? {})).not.toContain("onnxruntime-node");
      // What the tarball holds: license, readme, changelog, built code; no tests, no fixtures.
      const tarball = join(work, `${name.replace("/", "-")}.tgz`);
      writeFileSync(tarball, Buffer.from(await (await fetch(published.dist.tarball)).arrayBuffer()));
      const files = (await ok("tar", ["-tzf", tarball], { cwd: work, env: process.env })).stdout.split("\n").filter(Boolean);
      for (const needed of ["package/LICENSE", "package/README.md", "package/CHANGELOG.md", "package/package.json", "package/dist/index.js", "package/dist/index.d.ts"]) {
        expect(files, `${name} ships ${needed}`).toContain(needed);
      }
      expect(files.filter((f) => /__fixtures__|\.test\.|\/test\/(?!escaper\.mjs$)/.test(f)), `${name}: test files in the tarball`).toEqual([]);
    }
  });

  test("the scope's names exist only here: nothing merged from the uplink", async () => {
    const harness = PACKAGES.find((p) => p.name === "@sim/harness")!;
    const packument = (await (await fetch(`${registry}@sim%2fharness`)).json()) as { versions: Record<string, unknown> };
    expect(Object.keys(packument.versions)).toEqual([harness.version]);
    expect((await fetch(`${registry}@sim%2fno-such-package`)).status).toBe(404);
  });

  // After the publish, the three consumers at once: each mostly waits on the registry.
  describe("consumers, in fresh folders outside the workspace", { concurrent: true }, () => {
    test("npm: @sim/harness installs without onnxruntime-node; npx sim run gives the golden digest; runScenario from a script; tsc --noEmit", async ({ expect }) => {
      const dir = consumerFolder("npm");
      const env = commandEnv(join(work, "consumer.npmrc"), { XDG_STATE_HOME: join(dir, "state") });
      await timed("npm install @sim/harness", () => ok("npm", ["install", "@sim/harness"], { cwd: dir, env }));
      sizes["@sim/harness (npm)"] = await du(join(dir, "node_modules"));
      expect(existsSync(join(dir, "node_modules", "@sim", "harness", "dist", "cli.js"))).toBe(true);
      expect(existsSync(join(dir, "node_modules", "onnxruntime-node"))).toBe(false);

      const cli = await ok("npx", ["sim", "run", "quickstart.yaml", "--out", "runs/cli"], { cwd: dir, env });
      expect(cli.stdout).toContain(QUICKSTART_DIGEST);
      expect(sha256(join(dir, "runs", "cli", "trace.jsonl"))).toBe(QUICKSTART_DIGEST);
      // TypeScript through the harness's tsx, with nothing else installed.
      expect((await ok("npx", ["sim", "run", "mobile-sensor.yaml", "--out", "runs/module"], { cwd: dir, env })).stdout).toContain(MOBILE_SENSOR_DIGEST);

      writeFileSync(join(dir, "run.mjs"), HARNESS_CONSUMER_MJS);
      const script = await ok("node", ["run.mjs"], { cwd: dir, env });
      expect(JSON.parse(script.stdout.trim().split("\n").at(-1)!)).toEqual({ success: true, digest: QUICKSTART_DIGEST });

      await ok("npm", ["install", "--save-dev", TYPESCRIPT, TYPES_NODE], { cwd: dir, env });
      writeFileSync(join(dir, "consumer.ts"), HARNESS_CONSUMER_TS);
      // Every package's README example, against the published declarations (npm puts
      // every @sim package at the top of node_modules, so each can be imported here).
      // Packages that @sim/harness does not pull in are added first, so that no example is left out.
      const missing = PACKAGES.filter(({ name }) => !existsSync(join(dir, "node_modules", name))).map(({ name }) => name);
      if (missing.length > 0) await ok("npm", ["install", ...missing], { cwd: dir, env });
      for (const { dir: pkg } of PACKAGES) writeFileSync(join(dir, `readme-${pkg}.ts`), readmeExample(pkg));
      await timed("tsc (npm consumer)", () => ok("npx", ["tsc", "-p", "."], { cwd: dir, env }));
    });

    test("pnpm: @sim/harness installs; npx sim run gives the golden digest; tsc --noEmit", async ({ expect }) => {
      const dir = consumerFolder("pnpm");
      const env = commandEnv(join(work, "consumer.npmrc"), { XDG_STATE_HOME: join(dir, "state") });
      // pnpm installs dependencies with build scripts only when allowed; none of them
      // is needed (docs/publishing.md): esbuild's only optimises, as the module run below shows.
      writeFileSync(join(dir, "pnpm-workspace.yaml"), "allowBuilds:\n  esbuild: false\n  ssh2: false\n  cpu-features: false\n  protobufjs: false\n");
      await timed("pnpm add @sim/harness", () => ok("pnpm", ["add", "@sim/harness"], { cwd: dir, env }));
      sizes["@sim/harness (pnpm)"] = await du(join(dir, "node_modules"));
      expect(readdirSync(join(dir, "node_modules", ".pnpm")).filter((d) => d.startsWith("onnxruntime-node"))).toEqual([]);

      const cli = await ok("npx", ["sim", "run", "quickstart.yaml", "--out", "runs/cli"], { cwd: dir, env });
      expect(cli.stdout).toContain(QUICKSTART_DIGEST);
      expect(sha256(join(dir, "runs", "cli", "trace.jsonl"))).toBe(QUICKSTART_DIGEST);
      // TypeScript through the harness's tsx, with nothing else installed.
      expect((await ok("npx", ["sim", "run", "mobile-sensor.yaml", "--out", "runs/module"], { cwd: dir, env })).stdout).toContain(MOBILE_SENSOR_DIGEST);

      writeFileSync(join(dir, "run.mjs"), HARNESS_CONSUMER_MJS);
      const script = await ok("node", ["run.mjs"], { cwd: dir, env });
      expect(JSON.parse(script.stdout.trim().split("\n").at(-1)!)).toEqual({ success: true, digest: QUICKSTART_DIGEST });

      // pnpm's strict layout: only @sim/harness is importable, so a type that its
      // declarations need from a package it does not depend on fails here.
      await ok("pnpm", ["add", "--save-dev", TYPESCRIPT, TYPES_NODE], { cwd: dir, env });
      writeFileSync(join(dir, "consumer.ts"), HARNESS_CONSUMER_TS);
      await ok("pnpm", ["exec", "tsc", "-p", "."], { cwd: dir, env });
    });

    test("npm: @sim/coordinator alone installs, runs deterministically and type-checks", async ({ expect }) => {
      const dir = consumerFolder("coordinator");
      const env = commandEnv(join(work, "consumer.npmrc"));
      await timed("npm install @sim/coordinator", () => ok("npm", ["install", "@sim/coordinator"], { cwd: dir, env }));
      sizes["@sim/coordinator (npm)"] = await du(join(dir, "node_modules"));
      expect(existsSync(join(dir, "node_modules", "@sim", "harness"))).toBe(false);
      // Embedding the engine pulls no Docker, ONNX or process-launcher dependency.
      for (const heavy of ["dockerode", "onnxruntime-node", join("@sim", "launcher-process"), join("@sim", "launcher-docker"), join("@sim", "nodes")]) {
        expect(existsSync(join(dir, "node_modules", heavy)), heavy).toBe(false);
      }

      writeFileSync(join(dir, "embed.mjs"), COORDINATOR_CONSUMER);
      const result = await ok("node", ["embed.mjs"], { cwd: dir, env });
      expect(JSON.parse(result.stdout.trim())).toEqual({ success: true, sent: 100, same: true });

      await ok("npm", ["install", "--save-dev", TYPESCRIPT, TYPES_NODE], { cwd: dir, env });
      writeFileSync(join(dir, "readme-coordinator.ts"), readmeExample("coordinator"));
      await ok("npx", ["tsc", "-p", "."], { cwd: dir, env });
    });
  });
});
