/**
 * `--verify K`: re-runs K finished members, chosen at random from a seed, and
 * compares their digests with the stored ones. A difference is nondeterminism (or
 * a stored result made by another environment) and is reported with the first
 * differing trace line, never hidden.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { defaultLaunchers } from "../launchers.js";
import { OUTPUT_FILES } from "../outputs.js";
import { runScenario } from "../run-scenario.js";
import { firstDifferingLine } from "../trace-events.js";
import { memberDir, readMemberResult, type MemberSpec } from "./store.js";

export interface VerifyOutcome {
  key: string;
  stored_digest: string | null;
  rerun_digest: string | null;
  ok: boolean;
  /** The first trace line where two runs of the member differ. */
  difference: { line: number; first: string | null; second: string | null } | null;
  note: string | null;
  /** Where the re-run's outputs are (kept only when it differed). */
  dir: string;
}

export interface VerifyOptions {
  signal?: AbortSignal;
  stateDir?: string;
  env?: Readonly<Record<string, string | undefined>>;
}

const VERIFY_DIR = "verify";

export async function verifyMembers(store: string, specs: readonly MemberSpec[], count: number, options: VerifyOptions): Promise<VerifyOutcome[]> {
  const finished: { spec: MemberSpec; digest: string }[] = [];
  for (const spec of specs) {
    const result = await readMemberResult(store, spec.key);
    if (result?.status === "succeeded" && result.digest !== null) finished.push({ spec, digest: result.digest });
  }
  const seed = specs[0]?.seed ?? 0;
  const chosen = seededOrder(finished.map((f) => f.spec.key), seed).slice(0, count);
  const outcomes: VerifyOutcome[] = [];
  for (const key of chosen) {
    if (options.signal?.aborted) break;
    const { spec, digest } = finished.find((f) => f.spec.key === key)!;
    outcomes.push(await verifyOne(store, spec, digest, options));
  }
  return outcomes;
}

async function verifyOne(store: string, spec: MemberSpec, stored: string, options: VerifyOptions): Promise<VerifyOutcome> {
  const dir = join(store, VERIFY_DIR, spec.key);
  const rerun = await rerunMember(spec, dir, options);
  if (rerun === stored) {
    await rm(dir, { recursive: true, force: true });
    return { key: spec.key, stored_digest: stored, rerun_digest: rerun, ok: true, difference: null, note: null, dir };
  }
  const original = join(memberDir(store, spec.key), OUTPUT_FILES.trace);
  if (existsSync(original)) {
    return { key: spec.key, stored_digest: stored, rerun_digest: rerun, ok: false, difference: await firstDifferingLine(original, join(dir, OUTPUT_FILES.trace)), note: null, dir };
  }
  // The stored trace was not kept: a second re-run shows where runs differ.
  const again = `${dir}-again`;
  const second = await rerunMember(spec, again, options);
  if (second !== rerun) {
    return { key: spec.key, stored_digest: stored, rerun_digest: rerun, ok: false, difference: await firstDifferingLine(join(dir, OUTPUT_FILES.trace), join(again, OUTPUT_FILES.trace)), note: null, dir };
  }
  return {
    key: spec.key,
    stored_digest: stored,
    rerun_digest: rerun,
    ok: false,
    difference: null,
    note: "two re-runs agree with each other but not with the stored result: it was made by another environment, or the member is only sometimes nondeterministic (keep traces with --keep-traces to see the line)",
    dir,
  };
}

async function rerunMember(spec: MemberSpec, dir: string, options: VerifyOptions): Promise<string | null> {
  await rm(dir, { recursive: true, force: true });
  const result = await runScenario(spec.scenario, {
    set: spec.overrides,
    seed: spec.seed,
    outDir: dir,
    keepTrace: true,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.stateDir !== undefined ? { stateDir: options.stateDir } : {}),
    launchers: defaultLaunchers({ env: options.env ?? process.env }),
  });
  return result.success ? result.digest : null;
}

/** A stable pseudo-random order of keys from a seed. */
export function seededOrder(keys: readonly string[], seed: number): string[] {
  const rank = (key: string) => createHash("sha256").update(`${seed}:${key}`).digest("hex");
  return [...keys].sort((a, b) => (rank(a) < rank(b) ? -1 : 1));
}
