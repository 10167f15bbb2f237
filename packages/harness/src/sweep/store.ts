/**
 * The result store of a sweep, a plain folder:
 *
 *   sweep.json                 the definition, sim and Node versions, commit, host
 *   members/<key>/member.json  what the member runs (written before it starts)
 *   members/<key>/result.json  how it ended (written last, atomically)
 *   members/<key>/...          a normal run folder: summary.json, metrics.csv, logs/
 *   members/<key>/member.log   the member runner's own output
 *   results.csv, results.jsonl, points.csv
 *   slurm/                     job scripts, task lists and per-task logs
 *
 * A member is finished when its result.json says "succeeded"; everything else is
 * run again by the next invocation.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Override } from "@sim/config";
import type { KeyMaterial } from "./member-key.js";

export const STORE_FILES = {
  sweep: "sweep.json",
  members: "members",
  results: "results.csv",
  resultsJsonl: "results.jsonl",
  points: "points.csv",
  slurm: "slurm",
  /** V8's code cache, shared by the members' Node processes (see member-command.ts). */
  compileCache: ".node-compile-cache",
} as const;

export const MEMBER_FILES = {
  spec: "member.json",
  result: "result.json",
  log: "member.log",
} as const;

/** What one member runs: enough to run it again anywhere the store is visible. */
export interface MemberSpec {
  key: string;
  /** Absolute path of the scenario file. */
  scenario: string;
  point: number;
  replicate: number;
  seed: number;
  /** Parameter key as written -> value. */
  parameters: Record<string, unknown>;
  overrides: Override[];
  keep_trace: boolean;
  /** What the key hashes, in short (the scenario's hash, the input files' hashes), to explain a key. */
  key_material: KeyMaterial;
}

export type MemberStatus = "succeeded" | "failed" | "interrupted";

export interface MemberResult {
  key: string;
  status: MemberStatus;
  digest: string | null;
  /** Wall-clock seconds of the whole member: validation, launch, run, cleanup. */
  wall_sec: number;
  /**
   * CPU seconds (all threads: the engine's, the trace encoder's, V8's compiler and GC
   * helpers) of the process that ran the member, since that process started; a member
   * process runs nothing else. Nodes in their own processes or containers are not in it.
   */
  cpu_sec: number;
  error: { code: string; message: string; node: string | null } | null;
  host: string;
  finished_at: string;
}

export function memberDir(store: string, key: string): string {
  return join(store, STORE_FILES.members, key);
}

export async function readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as T;
  } catch {
    return null;
  }
}

/** Written to a temporary name, then renamed: a reader never sees half a file. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(temporary, `${JSON.stringify(value, null, 2)}\n`);
  await rename(temporary, path);
}

export async function writeMemberSpec(store: string, spec: MemberSpec): Promise<void> {
  const dir = memberDir(store, spec.key);
  await mkdir(dir, { recursive: true });
  await writeJsonAtomic(join(dir, MEMBER_FILES.spec), spec);
}

export function readMemberSpec(store: string, key: string): Promise<MemberSpec | null> {
  return readJson<MemberSpec>(join(memberDir(store, key), MEMBER_FILES.spec));
}

export function readMemberResult(store: string, key: string): Promise<MemberResult | null> {
  return readJson<MemberResult>(join(memberDir(store, key), MEMBER_FILES.result));
}

export function writeMemberResult(store: string, result: MemberResult): Promise<void> {
  return writeJsonAtomic(join(memberDir(store, result.key), MEMBER_FILES.result), result);
}
