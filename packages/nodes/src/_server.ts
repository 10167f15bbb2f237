import type { NodeContext, TimeUs } from "@sim/coordinator";

/**
 * A single-server FIFO queue in virtual time: a node that works on one message at
 * a time. A job submitted at `now` with service time `s` completes at
 * `max(now, busyUntil) + s`; completion times never decrease, so completions come
 * back through the node's timer in submission order.
 */
export class FifoServer<J> {
  private busyUntilUs: TimeUs = 0;
  private readonly jobs: (J | undefined)[] = [];
  private head = 0;

  /**
   * Returns true when the job completes at once (no service time, nothing queued):
   * the caller then completes it itself, without a timer event. Otherwise the
   * caller's `timer(tag)` fires at completion and must call `take()`.
   */
  submit(ctx: NodeContext, serviceUs: TimeUs, job: J | null, tag: number): boolean {
    const now = ctx.now();
    if (serviceUs === 0 && this.busyUntilUs <= now) return job !== null;
    const doneUs = Math.max(now, this.busyUntilUs) + serviceUs;
    this.busyUntilUs = doneUs;
    if (job !== null) {
      this.jobs.push(job);
      ctx.setTimer(doneUs - now, tag);
    }
    return false;
  }

  /** The oldest job still queued; call once per completion timer. */
  take(): J {
    const job = this.jobs[this.head];
    if (job === undefined) throw new Error("FifoServer.take() without a queued job");
    this.jobs[this.head] = undefined;
    this.head += 1;
    // Compact now and then so that a long run does not keep every finished slot.
    if (this.head > 1024 && this.head * 2 > this.jobs.length) {
      this.jobs.splice(0, this.head);
      this.head = 0;
    }
    return job;
  }

  /** Jobs submitted but not completed yet. */
  get pending(): number {
    return this.jobs.length - this.head;
  }
}
