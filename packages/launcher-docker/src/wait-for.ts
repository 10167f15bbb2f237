/**
 * `wait_for:` — a container counts as started once its log matches a pattern, or
 * once a published port really answers.
 */
import { connect } from "node:net";
import { performance } from "node:perf_hooks";
import { ContainerStartError } from "./errors.js";
import type { LogSink } from "./log-sink.js";

/** Pause between two port probes. */
const PROBE_INTERVAL_MS = 100;
/** A probe's TCP connect gives up after this long (the next probe follows). */
const PROBE_CONNECT_TIMEOUT_MS = 1_000;
/**
 * Docker's userland proxy accepts a connection on a published port even when
 * nothing listens in the container, then closes it at once. So a probe counts
 * only if the peer sends data, or keeps the connection open this long (or three
 * times the connect time, for a slow remote engine).
 */
const PROBE_HOLD_MS = 150;

export interface ExitStatus {
  code: number | null;
}

export interface WaitOptions {
  node: string;
  /** What the container must do, e.g. `log a line matching /ready/`. */
  what: string;
  timeoutMs: number;
  /** Settles when the container exits. */
  exited: Promise<ExitStatus>;
  signal?: AbortSignal;
  sink: LogSink;
  /** Settles when the container's output has all arrived (after an exit), so the error quotes its last lines. */
  drained?: () => Promise<unknown>;
}

/** How long an exit waits for the last output lines before the error is built. */
const DRAIN_MS = 2_000;

/**
 * Waits until `condition` resolves; fails with ContainerStartError (quoting the
 * log's tail) when the container exits first, the timeout passes, or `signal` aborts.
 * `condition` gets a signal that aborts once the wait is over, to stop probing.
 */
export async function waitUntil(options: WaitOptions, condition: (stop: AbortSignal) => Promise<void>): Promise<void> {
  const stop = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  let over = false;
  const fail = (reason: string, hint?: string) =>
    new ContainerStartError(options.node, reason, { logTail: options.sink.tail(), ...(hint === undefined ? {} : { hint }) });
  try {
    await Promise.race([
      condition(stop.signal),
      options.exited.then(async (exit) => {
        // After the wait is over, an exit is someone else's business (and must not become an unhandled rejection).
        if (over) return;
        if (options.drained !== undefined) await Promise.race([options.drained(), sleep(DRAIN_MS)]);
        if (over) return;
        throw fail(`the container exited with code ${exit.code ?? "unknown"} before it did ${options.what}`);
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(fail(`the container did not ${options.what} within ${options.timeoutMs / 1000} s`, "Raise wait_for.timeout_sec, or check the pattern/port against the log above.")),
          options.timeoutMs,
        );
      }),
      new Promise<never>((_, reject) => {
        if (options.signal === undefined) return;
        onAbort = () => reject(fail(`the launch was interrupted while waiting for the container to ${options.what}`));
        if (options.signal.aborted) onAbort();
        else options.signal.addEventListener("abort", onAbort, { once: true });
      }),
    ]);
  } finally {
    over = true;
    stop.abort();
    clearTimeout(timer);
    if (onAbort !== undefined) options.signal?.removeEventListener("abort", onAbort);
  }
}

/** Resolves at the first output line matching `pattern`. Subscribe before the container starts. */
export function logMatches(sink: LogSink, pattern: RegExp): (stop: AbortSignal) => Promise<void> {
  let matched = false;
  const waiters: (() => void)[] = [];
  const off = sink.onLine((line) => {
    if (!pattern.test(line)) return;
    matched = true;
    off();
    for (const wake of waiters) wake();
  });
  return (stop) =>
    new Promise<void>((resolve) => {
      if (matched) return resolve();
      waiters.push(resolve);
      stop.addEventListener("abort", off, { once: true });
    });
}

/** Resolves once `host:port` accepts a connection that is really served (see PROBE_HOLD_MS). */
export function portAnswers(host: string, port: number): (stop: AbortSignal) => Promise<void> {
  return async (stop) => {
    while (!stop.aborted) {
      if (await probe(host, port)) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, PROBE_INTERVAL_MS);
        stop.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
      });
    }
  };
}

/** One TCP probe: true when the peer answered with data or kept the connection open. */
export function probe(host: string, port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const started = performance.now();
    const socket = connect({ host, port });
    let timer = setTimeout(() => finish(false), PROBE_CONNECT_TIMEOUT_MS);
    function finish(ok: boolean): void {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    }
    socket.once("connect", () => {
      clearTimeout(timer);
      const hold = Math.max(PROBE_HOLD_MS, 3 * (performance.now() - started));
      timer = setTimeout(() => finish(true), hold);
    });
    socket.once("data", () => finish(true));
    socket.once("end", () => finish(false));
    socket.once("close", () => finish(false));
    socket.once("error", () => finish(false));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
