import cliProgress from "cli-progress";
import type { ProgressEvent } from "@sim/coordinator";

/** The TTY progress bar: virtual time / duration, events, real-time factor, ETA. */
export class ProgressBar {
  private readonly bar: cliProgress.SingleBar;
  private started = false;

  constructor(private readonly durationSec: number, stream: NodeJS.WritableStream) {
    this.bar = new cliProgress.SingleBar(
      {
        stream,
        format: " {bar} {percentage}% | {virtual}/{total_virtual} s virtual | {events} events | {rtf}x real time | ETA {eta_formatted}",
        barsize: 24,
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 20,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  update(p: ProgressEvent): void {
    const payload = {
      virtual: (p.nowUs / 1e6).toFixed(1),
      total_virtual: this.durationSec,
      events: p.events.toLocaleString("en-US"),
      rtf: p.realtimeFactor >= 100 ? Math.round(p.realtimeFactor).toString() : p.realtimeFactor.toFixed(1),
    };
    if (!this.started) {
      this.bar.start(p.durationUs, p.nowUs, payload);
      this.started = true;
    } else this.bar.update(p.nowUs, payload);
  }

  stop(): void {
    if (this.started) this.bar.stop();
  }
}
