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

  /** Timers and deliveries run (including deliveries to external nodes). */
  events = 0;
  sent = 0;
  delivered = 0;
  dropped = 0;
  late = 0;
  readonly droppedByReason = new Map<string, number>();

  /** What waits (for external nodes, for pacing) and must wake on `abort`. */
  private readonly abortWakers = new Set<() => void>();

  /**
   * Resolves when `work` settles or on `abort`, whichever comes first (at once if
   * stopped already); nothing stays registered after it. Not a race against one
   * promise that settles on abort: each race would leave a reaction on that promise
   * until the end of the run (~300 bytes a barrier).
   */
  orAbort(work: Promise<unknown>): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.stopped) return resolve();
      this.abortWakers.add(resolve);
      const settled = () => {
        this.abortWakers.delete(resolve);
        resolve();
      };
      work.then(settled, settled);
    });
  }

  abort(reason: string): void {
    if (this.stopped) return;
    this.abortReason = reason;
    this.stopped = true;
    const wakers = [...this.abortWakers];
    this.abortWakers.clear();
    for (const wake of wakers) wake();
  }
}
