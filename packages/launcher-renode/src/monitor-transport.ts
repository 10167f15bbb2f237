import { connect, type Socket } from "node:net";
import type { TimeUs } from "@sim/coordinator";
import { RenodeCommandError, RenodeMonitorError, RenodeTimeoutError } from "./errors.js";
import { formatSeconds, interpretReply, MonitorOutputParser, parseCurrentTime, type MonitorReply } from "./monitor-parser.js";
import type { CommandOptions, RenodeTransport } from "./types.js";

export interface MonitorConnectOptions {
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Limit for connecting and reading the banner. */
  timeoutMs: number;
  /** Aborting closes the connection; connect rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Receives text the monitor printed outside any command. */
  onUnsolicited?: (text: string) => void;
}

interface Pending {
  resolve(reply: MonitorReply): void;
  reject(error: Error): void;
}

/**
 * `RenodeTransport` over Renode's text monitor (`renode --port P`). One command
 * at a time: a command is complete when the monitor prints its prompt again.
 */
export class MonitorTransport implements RenodeTransport {
  /** Connects, reads the banner up to the first prompt, and checks that commands get through. */
  static async connect(options: MonitorConnectOptions): Promise<MonitorTransport> {
    const socket = await openSocket(options.host ?? "127.0.0.1", options.port, options.timeoutMs);
    const transport = new MonitorTransport(socket, options.onUnsolicited);
    const onAbort = () => transport.close(options.signal?.reason instanceof Error ? options.signal.reason : undefined);
    options.signal?.addEventListener("abort", onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    try {
      const banner = await transport.awaitBanner(options.timeoutMs);
      transport.banner = banner.text.trim();
      // Clients of Renode's telnet monitor have seen the first typed character
      // swallowed. " \n" is an empty command either way, so its prompt proves
      // that the next real command arrives whole.
      await transport.roundTrip(" ", options.timeoutMs);
      return transport;
    } catch (error) {
      transport.close();
      throw error;
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
    }
  }

  /** The banner Renode printed before its first prompt, e.g. `Renode, version 1.16.1…`. */
  banner = "";
  /** The name in the last prompt seen: `monitor`, or the current machine. */
  prompt: string | null = null;

  private readonly parser = new MonitorOutputParser();
  private pending: Pending | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private failure: Error | null = null;

  private constructor(
    private readonly socket: Socket,
    private readonly onUnsolicited?: (text: string) => void,
  ) {
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", (error) => this.fail(new RenodeMonitorError(`the monitor connection failed: ${error.message}`, { cause: error })));
    socket.on("close", () => {
      const tail = this.parser.pending().trim();
      this.fail(new RenodeMonitorError(`the monitor closed the connection${tail ? ` after printing: ${tail.slice(-500)}` : ""}`));
    });
  }

  get usable(): boolean {
    return this.failure === null;
  }

  async execute(command: string, options: CommandOptions = {}): Promise<string[]> {
    const reply = await this.roundTrip(command, options.timeoutMs);
    const output = interpretReply(command, reply.text);
    if (output.error !== null) throw new RenodeCommandError(command, output.lines);
    return output.lines;
  }

  async runFor(durationUs: TimeUs, options: CommandOptions = {}): Promise<void> {
    if (!Number.isSafeInteger(durationUs) || durationUs <= 0) throw new RangeError(`runFor needs a positive integer of µs, got ${durationUs}`);
    await this.execute(`emulation RunFor "${formatSeconds(durationUs)}"`, options);
  }

  async currentTime(options: CommandOptions = {}): Promise<TimeUs> {
    const lines = await this.execute("currentTime", options);
    const time = parseCurrentTime(lines);
    if (time === null) throw new RenodeMonitorError(`unexpected reply to \`currentTime\`: ${lines.join(" / ") || "(nothing)"}`);
    return time;
  }

  async quit(): Promise<void> {
    if (this.failure !== null) return;
    // Nothing may follow `quit`: Renode answers by closing the connection.
    this.failure = new RenodeMonitorError("the monitor was asked to quit");
    await new Promise<void>((resolve) => this.socket.write("quit\n", () => resolve()));
  }

  close(reason?: Error): void {
    this.fail(reason ?? new RenodeMonitorError("the monitor connection was closed"));
    this.socket.destroy();
  }

  private awaitBanner(timeoutMs: number): Promise<MonitorReply> {
    return this.enqueue("the monitor's banner", timeoutMs, () => undefined);
  }

  private roundTrip(command: string, timeoutMs: number | undefined): Promise<MonitorReply> {
    return this.enqueue(`\`${command.trim() || "(empty command)"}\``, timeoutMs, () => this.socket.write(`${command}\n`));
  }

  /** Runs `send` once every earlier command has finished, and resolves with the reply ended by the next prompt. */
  private enqueue(what: string, timeoutMs: number | undefined, send: () => void): Promise<MonitorReply> {
    const run = () =>
      new Promise<MonitorReply>((resolve, reject) => {
        if (this.failure !== null) {
          reject(this.failure);
          return;
        }
        const timer =
          timeoutMs === undefined
            ? null
            : setTimeout(() => {
                // The command may still finish inside Renode; its late prompt would
                // be taken for the next command's, so the transport is done.
                const error = new RenodeTimeoutError(what, timeoutMs);
                this.failure ??= error;
                this.pending = null;
                reject(error);
              }, timeoutMs);
        const settle = () => {
          if (timer !== null) clearTimeout(timer);
          this.pending = null;
        };
        this.pending = {
          resolve: (reply) => {
            settle();
            resolve(reply);
          },
          reject: (error) => {
            settle();
            reject(error);
          },
        };
        send();
      });
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private onData(chunk: Buffer): void {
    this.parser.feed(chunk);
    const reply = this.parser.takeReply();
    if (reply === null) return;
    this.prompt = reply.prompt;
    if (this.pending !== null) this.pending.resolve(reply);
    else if (reply.text.trim().length > 0) this.onUnsolicited?.(reply.text);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.pending?.reject(error);
  }
}

function openSocket(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new RenodeTimeoutError(`connecting to the monitor at ${host}:${port}`, timeoutMs));
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      socket.setNoDelay(true);
      resolve(socket);
    });
    socket.once("error", (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    });
  });
}
