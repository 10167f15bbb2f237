import type { TimeUs } from "./types.js";

/**
 * What every part of a run reads and advances: virtual time, the node being called,
 * the stop signal and the counts of the summary. One small object, so that the event
 * loop, the barrier and the nodes' contexts share it without going through the engine.
 */
export class RunState {
  nowUs: TimeUs = 0;
  /** Index of the node being called, blamed if it throws (-1: none). */
  current = -1;
  /** Set by a failure or an abort: the loop stops after the current event. */
  stopped = false;
  abortReason: string | null = null;
  /** Resolves on `abort`: waits for external nodes and for pacing race against it. */
  readonly aborted: Promise<void>;

  /** Timers and deliveries run (including deliveries to external nodes). */
  events = 0;
  sent = 0;
  delivered = 0;
  dropped = 0;
  late = 0;
  readonly droppedByReason = new Map<string, number>();

  private wakeAbort: () => void = () => {};

  constructor() {
    this.aborted = new Promise<void>((resolve) => {
      this.wakeAbort = resolve;
    });
  }

  abort(reason: string): void {
    if (this.stopped) return;
    this.abortReason = reason;
    this.stopped = true;
    this.wakeAbort();
  }
}
