/**
 * The frames exchanged with the `sim-qemu-step` plugin over its Unix socket:
 * u8 type, u32 payload length (little-endian), payload. See plugin/sim-qemu-step.c.
 */

export const PROTOCOL_VERSION = 1;
/** The plugin refuses larger frames; so does the reader. */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;

export type PluginFrame =
  | { type: "hello"; version: number; nowNs: bigint }
  | { type: "report"; reachedNs: bigint; tx: Buffer }
  | { type: "error"; message: string };

/** A grant: run until `untilNs`, injecting `rx` into the UART from the start of the quantum. */
export function encodeGrant(untilNs: bigint, rx: Uint8Array = new Uint8Array(0)): Buffer {
  const frame = Buffer.alloc(5 + 8 + rx.length);
  frame.writeUInt8("G".charCodeAt(0), 0);
  frame.writeUInt32LE(8 + rx.length, 1);
  frame.writeBigInt64LE(untilNs, 5);
  frame.set(rx, 13);
  return frame;
}

/** Quit: QEMU exits with status 0. */
export function encodeQuit(): Buffer {
  return Buffer.from([0x51, 0, 0, 0, 0]);
}

/** Splits the byte stream from the plugin into frames; throws on anything malformed. */
export class FrameReader {
  private buffer: Buffer = Buffer.alloc(0);

  /** Adds bytes; returns every frame now complete. */
  push(chunk: Buffer): PluginFrame[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const frames: PluginFrame[] = [];
    while (this.buffer.length >= 5) {
      const type = String.fromCharCode(this.buffer[0]!);
      const length = this.buffer.readUInt32LE(1);
      if (length > MAX_FRAME_BYTES) throw new Error(`frame of ${length} bytes from the plugin is over the limit`);
      if (this.buffer.length < 5 + length) break;
      const payload = this.buffer.subarray(5, 5 + length);
      this.buffer = this.buffer.subarray(5 + length);
      frames.push(decode(type, payload));
    }
    return frames;
  }

  /** Bytes received that do not yet form a frame. */
  get pending(): number {
    return this.buffer.length;
  }
}

function decode(type: string, payload: Buffer): PluginFrame {
  switch (type) {
    case "H":
      if (payload.length !== 12) throw new Error(`hello frame of ${payload.length} bytes (expected 12)`);
      return { type: "hello", version: payload.readUInt32LE(0), nowNs: payload.readBigInt64LE(4) };
    case "R":
      if (payload.length < 8) throw new Error(`report frame of ${payload.length} bytes (expected at least 8)`);
      return { type: "report", reachedNs: payload.readBigInt64LE(0), tx: Buffer.from(payload.subarray(8)) };
    case "E":
      return { type: "error", message: payload.toString("utf8") };
    default:
      throw new Error(`unknown frame type 0x${type.charCodeAt(0).toString(16)} from the plugin`);
  }
}
