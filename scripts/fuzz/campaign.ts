/**
 * `pnpm fuzz`: the long fuzz campaign, through the real CLI.
 *
 *   validate  mutants of every scenario and config fixture through `sim validate`
 *             (in-process through runCli, and a sample as child processes): exit 0 or 2,
 *             every problem printed as `file:line:col: ...` (or `file: ...`), no stack trace
 *   run       a sample of mutants of the scenarios that run without Docker or Renode through
 *             `sim run --timeout` (child processes, temp output folders): exit 0, 1 or 2,
 *             no internal error, no stack trace, no process of the run left
 *   faulty    process nodes that break the protocol in every known way: a clean failure
 *             (exit 1) naming the node, or a success for the benign modes; nothing left
 *   signals   SIGINT or SIGTERM at a random moment of a run with process nodes: 130 after
 *             SIGINT, 143 (or 130) after SIGTERM, 0/1 if the run had ended; nothing left
 *
 * Every case is drawn from one seed (printed; `--seed N` replays a campaign; default: a new
 * one each time, so that campaigns explore). Counts: --validate N (10000), --validate-child
 * N (200), --run N (100), --faulty-repeat N (2), --signals N (40), --jobs N (2). Prints a
 * figures table (markdown) at the end; exit 1 if any check failed.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import fc from "fast-check";
import { parseScenario } from "@sim/config";
import { runCli, type CliIo } from "@sim/harness";
import { loadSeedScenarios, scenarioMutant, type Mutant, type SeedScenario } from "../../packages/config/src/__fixtures__/scenario-mutants.js";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const CLI = join(repoRoot, "packages/harness/src/cli.ts");
const TSX = import.meta.resolve("tsx");
const MISBEHAVE = join(repoRoot, "packages/launcher-process/src/__fixtures__/misbehave.mjs");
const FAULTY = join(repoRoot, "scripts/fuzz/faulty-node.mjs");

const { values: args } = parseArgs({
  options: {
    seed: { type: "string" },
    validate: { type: "string", default: "10000" },
    "validate-child": { type: "string", default: "200" },
    run: { type: "string", default: "100" },
    "faulty-repeat": { type: "string", default: "2" },
    signals: { type: "string", default: "40" },
    jobs: { type: "string", default: "2" },
    "run-timeout": { type: "string", default: "15" },
    keep: { type: "boolean", default: false },
  },
});
const count = (name: keyof typeof args) => Number(args[name]);
const SEED = args.seed !== undefined ? Number(args.seed) | 0 : (Date.now() ^ (Math.random() * 2 ** 31)) | 0;
const JOBS = Math.max(1, count("jobs"));
const RUN_TIMEOUT_SEC = count("run-timeout");
/** A child that has not exited this long after its --timeout is reported as hung and killed. */
const HANG_MARGIN_MS = 60_000;
/** Runs of the campaign carry this in their environment: /proc is searched for it afterwards. */
const TOKEN = `simfuzz${process.pid}x${Date.now().toString(36)}`;

console.log(`sim fuzz campaign: seed ${SEED} (replay: pnpm fuzz --seed ${SEED})`);

// ---------------------------------------------------------------------------
// Bookkeeping

interface Phase {
  name: string;
  cases: number;
  outcomes: Map<string, number>;
  durationsMs: number[];
  violations: string[];
}
const phases: Phase[] = [];
function phase(name: string): Phase {
  const p: Phase = { name, cases: 0, outcomes: new Map(), durationsMs: [], violations: [] };
  phases.push(p);
  return p;
}
function record(p: Phase, outcome: string, ms: number, problems: string[], context: string): void {
  p.cases++;
  p.outcomes.set(outcome, (p.outcomes.get(outcome) ?? 0) + 1);
  p.durationsMs.push(ms);
  for (const problem of problems) {
    p.violations.push(`${problem}\n    ${context.split("\n").join("\n    ")}`);
    console.log(`VIOLATION [${p.name}] ${problem}\n    ${context.split("\n").slice(0, 30).join("\n    ")}`);
  }
}

/** sim's own stack trace: "    at " at the start of a line (node output it quotes is indented further). */
const STACK = /^ {4}at /m;
function outputProblems({ stdout, stderr }: { stdout: string; stderr: string }): string[] {
  return [...stderrProblems(stderr), ...(STACK.test(stdout) ? ["stack trace on stdout"] : [])];
}
function stderrProblems(stderr: string): string[] {
  const problems: string[] = [];
  if (STACK.test(stderr)) problems.push("stack trace on stderr");
  if (/internal error/i.test(stderr)) problems.push("internal error on stderr");
  return problems;
}

// ---------------------------------------------------------------------------
// A copy of the repository's layout where mutants can be written: relative paths
// (../examples/..., files/..., models/...) resolve as they do for the originals.

const work = mkdtempSync(join(tmpdir(), "sim-fuzz-"));
const tree = join(work, "tree");
const stateDir = join(work, "state");
mkdirSync(stateDir);

function mirror(dir: string): void {
  const target = join(tree, dir);
  mkdirSync(target, { recursive: true });
  for (const entry of readdirSync(join(repoRoot, dir))) {
    if (entry.endsWith(".yaml")) continue;
    if (!existsSync(join(target, entry))) symlinkSync(join(repoRoot, dir, entry), join(target, entry));
  }
}
mkdirSync(tree);
for (const entry of readdirSync(repoRoot)) if (entry !== "scenarios" && entry !== "packages") symlinkSync(join(repoRoot, entry), join(tree, entry));
const seeds = loadSeedScenarios(repoRoot);
for (const dir of new Set(seeds.map((s) => s.dir))) mirror(dir);

let fileCounter = 0;
function writeMutant(m: Mutant, bytes?: Buffer): string {
  const file = join(tree, m.seed.dir, `fuzz-${fileCounter++}.yaml`);
  writeFileSync(file, bytes ?? m.text);
  return file;
}

/** Raw byte edits on top of a text mutant: invalid UTF-8, a BOM, NUL, a cut multi-byte character. */
const byteEdit = fc.tuple(
  fc.nat(),
  fc.constantFrom([0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xef, 0xbb, 0xbf], [0x00], [0xe6, 0x97], [0x80], [0xf4, 0x90, 0x80, 0x80]),
);
function withBytes(text: string, [at, bytes]: [number, number[]]): Buffer {
  const b = Buffer.from(text, "utf8");
  const i = at % (b.length + 1);
  return Buffer.concat([b.subarray(0, i), Buffer.from(bytes), b.subarray(i)]);
}

// ---------------------------------------------------------------------------
// Child processes

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  hung: boolean;
  signalled: NodeJS.Signals | null;
}

function runSim(
  argv: string[],
  options: { cwd: string; token: string; hangMs: number; stateDir?: string; signal?: NodeJS.Signals; signalWhen?: () => boolean; signalAfterMs?: number },
): Promise<ChildResult> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, ["--conditions=@sim/source", "--import", TSX, CLI, ...argv], {
      cwd: options.cwd,
      env: { ...process.env, XDG_STATE_HOME: options.stateDir ?? stateDir, SIM_FUZZ_TOKEN: options.token },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let hung = false;
    let signalled: NodeJS.Signals | null = null;
    let exited = false;
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const hang = setTimeout(() => {
      hung = true;
      child.kill("SIGKILL");
    }, options.hangMs);
    // Waits for signalWhen() (polled), then signalAfterMs more, then sends the signal.
    const timers: NodeJS.Timeout[] = [];
    if (options.signalAfterMs !== undefined) {
      const send = () => {
        if (!exited) {
          signalled = options.signal ?? "SIGINT";
          child.kill(signalled);
        }
      };
      const poll = () => {
        if (exited) return;
        if (options.signalWhen?.() ?? true) timers.push(setTimeout(send, options.signalAfterMs));
        else timers.push(setTimeout(poll, 20));
      };
      poll();
    }
    child.on("exit", () => (exited = true));
    child.on("close", (code, sig) => {
      clearTimeout(hang);
      for (const t of timers) clearTimeout(t);
      resolve({ code, signal: sig, stdout, stderr, ms: Date.now() - started, hung, signalled });
    });
  });
}

/** Live processes whose environment carries SIM_FUZZ_TOKEN=<token>. */
function processesWithToken(token: string): { pid: number; cmd: string }[] {
  const needle = `SIM_FUZZ_TOKEN=${token}\0`;
  const found: { pid: number; cmd: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      if (state === "Z" || state === "X") continue;
      if (readFileSync(`/proc/${entry}/environ`, "latin1").includes(needle)) {
        found.push({ pid: Number(entry), cmd: readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ").trim() });
      }
    } catch {
      // Gone while we looked, or not ours to read.
    }
  }
  return found;
}

/** What the run left: reported, then killed so that the campaign itself leaves nothing. */
function leftovers(token: string): string[] {
  const left = processesWithToken(token);
  for (const p of left) {
    try {
      process.kill(p.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  return left.map((p) => `process left: ${p.pid} ${p.cmd.slice(0, 160)}`);
}

async function pool<T>(items: T[], jobs: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(jobs, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await work(items[i]!, i);
      }
    }),
  );
}

function describe(m: Mutant, file: string): string {
  return `${m.kind} mutant of ${m.seed.name} (${file}); edits: ${m.edits.join(" ")}`;
}

// ---------------------------------------------------------------------------
// 1. sim validate, in-process

async function validateInProcess(n: number): Promise<void> {
  const p = phase("validate (in-process runCli)");
  const mutants = fc.sample(fc.tuple(scenarioMutant(seeds), fc.option(byteEdit, { freq: 8 }), fc.boolean()), { seed: SEED, numRuns: n });
  const cwd = mkdtempSync(join(work, "cwd-"));
  const before = process.cwd();
  process.chdir(cwd);
  try {
    for (const [i, [m, bytes, json]] of mutants.entries()) {
      const raw = bytes ? withBytes(m.text, bytes) : undefined;
      const file = writeMutant(m, raw);
      const lines = (raw ?? Buffer.from(m.text)).toString("utf8").split("\n");
      let stdout = "";
      let stderr = "";
      const io: CliIo = {
        stdout: (t) => (stdout += t),
        stderr: (t) => (stderr += t),
        isTTY: false,
        env: { ...process.env, XDG_STATE_HOME: stateDir },
        onSignal: () => () => undefined,
        forceExit: (code) => {
          throw new Error(`forceExit(${code})`);
        },
      };
      const started = performance.now();
      let code: number;
      const problems: string[] = [];
      try {
        code = await runCli(["validate", file, ...(json ? ["--json"] : [])], io);
      } catch (error) {
        code = -1;
        problems.push(`runCli threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      }
      const ms = performance.now() - started;
      if (code !== 0 && code !== 2) problems.push(`exit code ${code}`);
      problems.push(...stderrProblems(stderr));
      if (json) {
        try {
          const [report] = (JSON.parse(stdout) as { files: { valid: boolean; problems: { code: string; line: number | null; column: number | null }[] }[] }).files;
          if (report!.valid !== (code === 0)) problems.push(`--json says valid: ${report!.valid}, exit code ${code}`);
          for (const pr of report!.problems) {
            if (pr.code === "internal-error") problems.push("internal-error problem");
            if (pr.line !== null && (pr.line < 1 || pr.line > lines.length)) problems.push(`${pr.code} at line ${pr.line} of ${lines.length}`);
          }
        } catch (error) {
          problems.push(`--json output is not JSON: ${String(error)}`);
        }
      } else {
        for (const line of stderr.split("\n").filter((l) => l !== "")) {
          const at = /^(.*?):(\d+):(\d+): (error|warning): /.exec(line);
          if (at) {
            if (at[1] !== file) problems.push(`problem names another file: ${line.slice(0, 200)}`);
            const l = Number(at[2]);
            if (l < 1 || l > lines.length) problems.push(`line ${l} of ${lines.length}: ${line.slice(0, 200)}`);
          } else if (!line.startsWith(`${file}: error: `) && !line.startsWith(`${file}: warning: `)) {
            problems.push(`stderr line is not a problem: ${line.slice(0, 200)}`);
          }
        }
        if (code === 2 && !stderr.includes(": error: ")) problems.push("exit 2 without an error");
        if (code === 0 && stdout !== `${file}: valid\n` && !stdout.startsWith(`${file}: valid (`)) problems.push(`exit 0, stdout: ${stdout.slice(0, 200)}`);
      }
      record(p, `exit ${code}`, ms, problems, `${describe(m, file)}${raw ? " + bytes" : ""}`);
      if ((i + 1) % 1000 === 0) console.log(`validate: ${i + 1}/${n}`);
    }
    const written = readdirSync(cwd);
    if (written.length > 0) record(p, "wrote files", 0, [`sim validate wrote into its cwd: ${written.join(", ")}`], "");
  } finally {
    process.chdir(before);
  }
}

// ---------------------------------------------------------------------------
// 2. sim validate, child processes (several files per call)

async function validateChildren(n: number): Promise<void> {
  const p = phase("validate (child process, 10 files each)");
  const mutants = fc.sample(scenarioMutant(seeds), { seed: SEED + 1, numRuns: n });
  const groups: Mutant[][] = [];
  for (let i = 0; i < mutants.length; i += 10) groups.push(mutants.slice(i, i + 10));
  await pool(groups, JOBS, async (group, i) => {
    const files = group.map((m) => writeMutant(m));
    const token = `${TOKEN}v${i}`;
    const r = await runSim(["validate", ...files], { cwd: work, token, hangMs: 120_000 });
    const problems = [...outputProblems(r), ...leftovers(token)];
    if (r.code !== 0 && r.code !== 2) problems.push(`exit code ${r.code} (signal ${r.signal})${r.hung ? ", hung" : ""}`);
    record(p, `exit ${r.code}`, r.ms, problems, `${files.join(" ")}\n${r.stderr.slice(-1500)}`);
  });
}

// ---------------------------------------------------------------------------
// 3. sim run on mutants

/** Scenarios that run without Docker or Renode. */
function runnable(s: SeedScenario): boolean {
  return s.valid && !/type:\s*(docker|renode)/.test(s.text);
}

async function runMutants(n: number): Promise<void> {
  const p = phase(`run (child process, --timeout ${RUN_TIMEOUT_SEC})`);
  // Most single edits make a scenario invalid: half of the sample are mutants that still
  // validate (so that they run), half any mutant.
  const pool20 = fc.sample(scenarioMutant(seeds.filter(runnable), { maxEdits: 2 }), { seed: SEED + 2, numRuns: 20 * n });
  const valid = pool20.filter((m) => parseScenario(m.text, { source: join(tree, m.seed.dir, "m.yaml") }).ok);
  const mutants = [...valid.slice(0, Math.ceil(n / 2)), ...pool20.filter((m) => !valid.includes(m)).slice(0, n)].slice(0, n);
  await pool(mutants, JOBS, async (m, i) => {
    const file = writeMutant(m);
    const out = join(work, "runs", `run-${i}`);
    const token = `${TOKEN}r${i}`;
    const r = await runSim(["run", file, "--out", out, "--timeout", String(RUN_TIMEOUT_SEC), "--no-progress"], { cwd: work, token, hangMs: RUN_TIMEOUT_SEC * 1000 + HANG_MARGIN_MS });
    const problems = [...outputProblems(r), ...leftovers(token)];
    if (r.hung) problems.push("did not exit");
    if (r.code !== 0 && r.code !== 1 && r.code !== 2) problems.push(`exit code ${r.code} (signal ${r.signal})`);
    if (r.code === 2 && existsSync(join(out, "trace.jsonl"))) problems.push("exit 2 (nothing started) but a trace was written");
    if ((r.code === 0 || r.code === 1) && !existsSync(join(out, "summary.json"))) problems.push(`exit ${r.code} without summary.json`);
    record(p, `exit ${r.code}`, r.ms, problems, `${describe(m, file)}\n${r.stderr.slice(-1500)}`);
    if (!args.keep) rmSync(out, { recursive: true, force: true });
  });
}

// ---------------------------------------------------------------------------
// 4. Faulty process nodes

interface FaultyMode {
  script: string;
  mode: string;
  /** 0: the run succeeds anyway; 1: a failure naming the node. */
  code: 0 | 1;
}
const FAULTY_MODES: FaultyMode[] = [
  ...["exit", "close-stdout", "invalid", "send-outside", "hang", "huge", "version"].map((mode) => ({ script: MISBEHAVE, mode, code: 1 as const })),
  ...["ignore-term", "grandchild"].map((mode) => ({ script: MISBEHAVE, mode, code: 0 as const })),
  ...["no-ready", "exit-before-ready", "garbage-before-ready", "binary", "kill-self", "deep", "partial-line-exit", "orphan-and-exit"].map((mode) => ({ script: FAULTY, mode, code: 1 as const })),
  { script: FAULTY, mode: "log-flood", code: 0 },
];

function faultyScenario(dir: string, m: FaultyMode): string {
  const file = join(dir, `faulty-${m.mode}.yaml`);
  writeFileSync(
    file,
    [
      "duration_sec: 0.1",
      "time_quantum_us: 10000",
      "timeouts: {startup_sec: 5, quantum_wall_sec: 3, shutdown_grace_sec: 1}",
      "nodes:",
      `  bad: {type: process, command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(m.script)}, ${m.mode}]}`,
      "  g: {type: gateway}",
      "",
    ].join("\n"),
  );
  return file;
}

async function faultyNodes(repeat: number): Promise<void> {
  const p = phase("faulty process nodes");
  const dir = mkdtempSync(join(work, "faulty-"));
  const cases = fc.sample(fc.shuffledSubarray(FAULTY_MODES.flatMap((m) => Array.from({ length: repeat }, () => m)), { minLength: FAULTY_MODES.length * repeat }), { seed: SEED + 3, numRuns: 1 })[0]!;
  await pool(cases, JOBS, async (m, i) => {
    const file = faultyScenario(dir, m);
    const out = join(work, "runs", `faulty-${i}`);
    const token = `${TOKEN}f${i}`;
    const r = await runSim(["run", file, "--out", out, "--timeout", "60", "--no-progress"], { cwd: dir, token, hangMs: 60_000 + HANG_MARGIN_MS });
    const problems = [...outputProblems(r), ...leftovers(token)];
    if (r.hung) problems.push("did not exit");
    if (r.code !== m.code) problems.push(`exit code ${r.code} (signal ${r.signal}), expected ${m.code}`);
    // The summary (on stdout) or the error (on stderr) names the node.
    if (m.code === 1 && !`${r.stdout}${r.stderr}`.includes('node "bad" failed')) problems.push('the failure does not name node "bad"');
    record(p, `${m.mode}: exit ${r.code}`, r.ms, problems, `${m.mode}\n${r.stdout.slice(-1500)}\n${r.stderr.slice(-1500)}`);
    if (!args.keep) rmSync(out, { recursive: true, force: true });
  });
}

// ---------------------------------------------------------------------------
// 5. Signals at random moments

function signalScenario(dir: string): string {
  const file = join(dir, "signals.yaml");
  writeFileSync(
    file,
    [
      "# Process nodes, paced at real time: a run lasts about 3 s after start-up.",
      "duration_sec: 3",
      "realtime_factor: 1.0",
      "time_quantum_us: 10000",
      "timeouts: {shutdown_grace_sec: 1}",
      "nodes:",
      `  child: {type: process, command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(MISBEHAVE)}, grandchild]}`,
      `  echo: {type: process, command: [python3, ${JSON.stringify(join(repoRoot, "examples/nodes/python/echo_node.py"))}], config: {target: cloud, period_us: 250000}}`,
      "  cloud: {type: cloud}",
      "",
    ].join("\n"),
  );
  return file;
}

async function signals(n: number): Promise<void> {
  const p = phase("signals (SIGINT/SIGTERM at a random moment)");
  const dir = mkdtempSync(join(work, "signals-"));
  const file = signalScenario(dir);
  // A fifth of the signals at any moment from the spawn (start-up included), the others
  // at a moment after the run registered itself (its nodes starting, running, stopping).
  const when = fc.oneof(
    { weight: 1, arbitrary: fc.record({ from: fc.constant("spawn" as const), afterMs: fc.integer({ min: 0, max: 8000 }) }) },
    { weight: 4, arbitrary: fc.record({ from: fc.constant("run" as const), afterMs: fc.integer({ min: 0, max: 5000 }) }) },
  );
  const cases = fc.sample(fc.tuple(fc.constantFrom<NodeJS.Signals>("SIGINT", "SIGTERM"), when), { seed: SEED + 4, numRuns: n });
  await pool(cases, JOBS, async ([signal, { from, afterMs }], i) => {
    const out = join(work, "runs", `signal-${i}`);
    const token = `${TOKEN}s${i}`;
    const state = join(stateDir, `signal-${i}`);
    const registry = join(state, "sim", "runs");
    const r = await runSim(["run", file, "--out", out, "--no-progress"], {
      cwd: dir,
      token,
      stateDir: state,
      hangMs: 120_000,
      signal,
      signalWhen: from === "spawn" ? () => true : () => existsSync(registry) && readdirSync(registry).length > 0,
      signalAfterMs: afterMs,
    });
    const problems = [...outputProblems(r), ...leftovers(token)];
    if (r.hung) problems.push("did not exit");
    let outcome: string;
    if (r.signalled === null) {
      outcome = `ended before the signal: exit ${r.code}`;
      if (r.code !== 0) problems.push(`exit code ${r.code} without a signal`);
    } else if (r.code === null) {
      // Killed by the signal's default action: it came before the CLI's handlers were
      // installed (while Node loads the CLI's modules), so nothing had been started.
      outcome = `${r.signalled} before the CLI started: killed`;
      if (r.signal !== r.signalled) problems.push(`killed by ${r.signal}`);
    } else {
      // 143 after SIGTERM; 130 accepted too while the CLI's change to 143 lands.
      const interrupted = r.signalled === "SIGINT" ? [130] : [143, 130];
      outcome = `${r.signalled}: exit ${r.code}`;
      // 0 or 1: the signal came after the run had ended (while its outputs were written).
      if (!interrupted.includes(r.code) && r.code !== 0 && r.code !== 1) problems.push(`exit code ${r.code} after ${r.signalled}`);
      if (interrupted.includes(r.code) && !r.stderr.includes(`sim: ${r.signalled}`)) problems.push("interrupted without saying so");
    }
    record(p, outcome, r.ms, problems, `${signal} ${afterMs} ms after the ${from}\n${r.stderr.slice(-1500)}`);
    if (!args.keep) rmSync(out, { recursive: true, force: true });
  });
}

// ---------------------------------------------------------------------------

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
function ms(v: number): string {
  return v >= 1000 ? `${(v / 1000).toFixed(1)} s` : `${v.toFixed(v < 10 ? 1 : 0)} ms`;
}

function table(totalMs: number): string {
  const rows = [
    "| phase | cases | outcomes | checks failed | p50 | p95 | max |",
    "| --- | ---: | --- | ---: | ---: | ---: | ---: |",
  ];
  for (const p of phases) {
    const d = [...p.durationsMs].sort((a, b) => a - b);
    const outcomes = [...p.outcomes].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}: ${v}`).join(", ");
    rows.push(`| ${p.name} | ${p.cases} | ${outcomes} | ${p.violations.length} | ${ms(percentile(d, 0.5))} | ${ms(percentile(d, 0.95))} | ${ms(d[d.length - 1] ?? 0)} |`);
  }
  return `${rows.join("\n")}\n\nseed ${SEED}; ${ms(totalMs)} in all; ${JOBS} at a time.`;
}

const started = Date.now();
try {
  await validateInProcess(count("validate"));
  await validateChildren(count("validate-child"));
  await runMutants(count("run"));
  await faultyNodes(count("faulty-repeat"));
  await signals(count("signals"));
} finally {
  console.log(`\n${table(Date.now() - started)}`);
  const failed = phases.reduce((n, p) => n + p.violations.length, 0);
  if (failed > 0) console.log(`\n${failed} check(s) failed; replay with: pnpm fuzz --seed ${SEED}`);
  if (!args.keep) rmSync(work, { recursive: true, force: true });
  else console.log(`kept: ${work}`);
  process.exitCode = failed > 0 ? 1 : 0;
}
