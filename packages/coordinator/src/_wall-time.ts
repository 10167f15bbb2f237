import type { ProgressEvent } from "./events.js";
import type { RunState } from "./_run-state.js";
import type { TimeUs } from "./types.js";

export interface WallTimeOptions {
  endUs: TimeUs;
  /** Virtual time kept at or behind wall time × factor; null: as fast as possible. */
  realtimeFactor: number | null;
  /** Wall clock in ms (injected: it feeds only figures and pacing, never the trace). */
  clock: () => number;
  sleep: (ms: number) => Promise<void>;
  progressIntervalMs: number;
}

/** Everything that looks at the wall clock: pacing to a real-time factor, and progress events. */
export class WallTime {
  /** Virtual time the loop may reach before it must wait (Infinity when not paced). */
  allowedUs: number;
  private startMs = 0;
  private lastProgressMs = 0;

  constructor(
    private readonly state: RunState,
    private readonly o: WallTimeOptions,
    private readonly onProgress: (p: ProgressEvent) => void,
  ) {
    this.allowedUs = o.realtimeFactor === null ? Infinity : 0;
  }

  /** The run starts now (wall time). */
  begin(): void {
    this.startMs = this.o.clock();
    this.lastProgressMs = this.startMs;
  }

  /** Lets virtual time advance as far as the wall time elapsed allows. */
  catchUp(): void {
    const factor = this.o.realtimeFactor;
    if (factor !== null) this.allowedUs = Math.max(this.allowedUs, (this.o.clock() - this.startMs) * 1000 * factor);
  }

  /** Waits until virtual time `untilUs` is allowed (or the run is aborted). Only when paced. */
  async pace(untilUs: TimeUs): Promise<void> {
    const factor = this.o.realtimeFactor!;
    const waitMs = untilUs / (1000 * factor) - (this.o.clock() - this.startMs);
    // Sub-µs waits are rounding noise; skipping them guarantees progress.
    if (waitMs > 0.001) await this.state.orAbort(this.o.sleep(waitMs));
    if (untilUs > this.allowedUs) this.allowedUs = untilUs;
  }

  /** A progress event, if `progressIntervalMs` has passed since the last one. */
  maybeProgress(): void {
    const now = this.o.clock();
    if (now - this.lastProgressMs < this.o.progressIntervalMs) return;
    this.lastProgressMs = now;
    this.onProgress(this.progressEvent(now));
  }

  /** The closing progress event; returns the run's wall time in seconds. */
  finish(): number {
    this.onProgress(this.progressEvent(this.o.clock()));
    return (this.o.clock() - this.startMs) / 1000;
  }

  private progressEvent(wallNow: number): ProgressEvent {
    const wallMs = wallNow - this.startMs;
    const { nowUs, events } = this.state;
    return { nowUs, durationUs: this.o.endUs, events, realtimeFactor: wallMs > 0 ? nowUs / 1000 / wallMs : 0 };
  }
}
