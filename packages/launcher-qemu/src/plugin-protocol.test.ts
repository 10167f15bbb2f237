import { describe, expect, it } from "vitest";
import { encodeGrant, encodeQuit, FrameReader } from "./plugin-protocol.js";

function frame(type: string, payload: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, "latin1");
  head.writeUInt32LE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

describe("plugin protocol", () => {
  it("encodes a grant as 'G', length, i64 ns, then the RX bytes", () => {
    const g = encodeGrant(1_500_000n, Buffer.from("hi\n"));
    expect(g.toString("latin1", 0, 1)).toBe("G");
    expect(g.readUInt32LE(1)).toBe(11);
    expect(g.readBigInt64LE(5)).toBe(1_500_000n);
    expect(g.subarray(13).toString()).toBe("hi\n");
    expect([...encodeQuit()]).toEqual([0x51, 0, 0, 0, 0]);
  });

  it("reassembles frames split at any byte", () => {
    const report = Buffer.alloc(8 + 4);
    report.writeBigInt64LE(10_000n, 0);
    report.write("ab\r\n", 8);
    const hello = Buffer.alloc(12);
    hello.writeUInt32LE(1, 0);
    const stream = Buffer.concat([frame("H", hello), frame("R", report), frame("E", Buffer.from("bad grant"))]);
    for (let cut = 1; cut < stream.length; cut++) {
      const reader = new FrameReader();
      const frames = [...reader.push(stream.subarray(0, cut)), ...reader.push(stream.subarray(cut))];
      expect(frames).toEqual([
        { type: "hello", version: 1, nowNs: 0n },
        { type: "report", reachedNs: 10_000n, tx: Buffer.from("ab\r\n") },
        { type: "error", message: "bad grant" },
      ]);
      expect(reader.pending).toBe(0);
    }
  });

  it("rejects unknown types, short payloads and oversized frames", () => {
    expect(() => new FrameReader().push(frame("X", Buffer.alloc(0)))).toThrow(/unknown frame type 0x58/);
    expect(() => new FrameReader().push(frame("R", Buffer.alloc(4)))).toThrow(/report frame of 4 bytes/);
    const huge = Buffer.alloc(5);
    huge.write("R", 0, "latin1");
    huge.writeUInt32LE(0xffffffff, 1);
    expect(() => new FrameReader().push(huge)).toThrow(/over the limit/);
  });
});
