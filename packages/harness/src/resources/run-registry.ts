/**
 * The run's resource registry: every process, container and network a launcher
 * starts is written to `<stateDir>/runs/<runId>.json` the moment it exists, and a
 * reaper process is started with the first one, so that a harness killed with
 * SIGKILL still leaves nothing behind.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { RunResources } from "@sim/coordinator";
import { processStartTime } from "@sim/process-tree";
import { startReaper, type ReaperHandle } from "../reaper/spawn-reaper.js";
import { registryFile } from "./state-dir.js";
import { isEmptyRecord, RUN_RECORD_VERSION, type RunRecord } from "./run-record.js";

export interface RunRegistryOptions {
  /** sim's state folder (see `defaultStateDir`); the file goes to `<stateDir>/runs/<runId>.json`. */
  stateDir: string;
  runId: string;
  /** Start the reaper with the first resource (default true). */
  reaper?: boolean;
  /** Environment of the reaper process (default: empty). */
  reaperEnv?: Record<string, string>;
  /** Docker engine that `dockerHost: null` entries live on (null: the default local socket). */
  localDockerHost?: string | null;
  /** Wall clock for the record's `createdAt` (default: the real one). */
  now?: () => Date;
  /** Called when the reaper cannot be started (the run goes on, unprotected against SIGKILL). */
  onReaperError?: (err: Error) => void;
}

/** What `close()` found: null when everything was gone, else what is still listed (handed to the reaper). */
export type RegistryCloseResult = { leftovers: RunRecord | null };

export class RunRegistry implements RunResources, AsyncDisposable {
  readonly runId: string;
  /** Path of the registry file. */
  readonly file: string;
  private readonly options: RunRegistryOptions;
  private readonly record: RunRecord;
  private reaper: ReaperHandle | null = null;
  private written = false;
  private closing: Promise<RegistryCloseResult> | null = null;

  constructor(options: RunRegistryOptions) {
    if (!/^[A-Za-z0-9._-]+$/.test(options.runId)) throw new RangeError(`run id ${JSON.stringify(options.runId)} is not a safe file name`);
    this.options = options;
    this.runId = options.runId;
    this.file = registryFile(options.stateDir, options.runId);
    this.record = {
      version: RUN_RECORD_VERSION,
      runId: options.runId,
      harness: { pid: process.pid, startTime: processStartTime(process.pid) },
      createdAt: (options.now ?? (() => new Date()))().toISOString(),
      localDockerHost: options.localDockerHost ?? null,
      processes: [],
      containers: [],
      networks: [],
    };
  }

  /** A copy of what is currently listed. */
  snapshot(): RunRecord {
    return structuredClone(this.record);
  }

  /** Pid of the reaper, once started. */
  get reaperPid(): number | null {
    return this.reaper?.pid ?? null;
  }

  addProcess(entry: { node: string; pid: number; pgid: number; workDir?: string }): void {
    this.record.processes.push({ ...entry, startTime: processStartTime(entry.pid) });
    this.changed(true);
  }

  removeProcess(pid: number): void {
    this.record.processes = this.record.processes.filter((p) => p.pid !== pid);
    this.changed(false);
  }

  addContainer(entry: { node: string; id: string; dockerHost: string | null }): void {
    this.record.containers.push({ ...entry });
    this.changed(true);
  }

  removeContainer(id: string): void {
    this.record.containers = this.record.containers.filter((c) => c.id !== id);
    this.changed(false);
  }

  addNetwork(entry: { name: string; id: string; dockerHost: string | null }): void {
    this.record.networks.push({ ...entry });
    this.changed(true);
  }

  removeNetwork(id: string): void {
    this.record.networks = this.record.networks.filter((n) => n.id !== id);
    this.changed(false);
  }

  /**
   * Ends the registry. Everything gone: the reaper is released and the file deleted.
   * Something still listed: the reaper is told to clean it up, as after a crash, and
   * the file stays until it has. Idempotent.
   */
  close(): Promise<RegistryCloseResult> {
    this.closing ??= (async () => {
      if (isEmptyRecord(this.record)) {
        await this.reaper?.release();
        rmSync(this.file, { force: true });
        return { leftovers: null };
      }
      const leftovers = this.snapshot();
      if (this.reaper) this.reaper.handOver();
      return { leftovers };
    })();
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private changed(added: boolean): void {
    if (this.closing) return;
    // Written before the reaper starts, so that the reaper always finds the file.
    this.write();
    if (added && this.reaper === null && (this.options.reaper ?? true)) {
      this.reaper = startReaper({
        registryFile: this.file,
        harnessPid: this.record.harness.pid,
        harnessStartTime: this.record.harness.startTime,
        env: this.options.reaperEnv ?? {},
        onError: (err) => this.options.onReaperError?.(err),
      });
    }
  }

  private write(): void {
    if (!this.written) mkdirSync(dirname(this.file), { recursive: true });
    this.written = true;
    const tmp = `${this.file}.${process.pid}.tmp`;
    // Write-then-rename: a reader (the reaper, `sim clean`) never sees half a file.
    writeFileSync(tmp, JSON.stringify(this.record, null, 2));
    renameSync(tmp, this.file);
  }
}
