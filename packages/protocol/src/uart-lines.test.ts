import { describe, expect, it } from "vitest";
import { MAX_PAYLOAD_DEPTH } from "./messages.js";
import { encodeInbound, MAX_UART_LINE_BYTES, UartLineSplitter, uartLinePayload } from "./uart-lines.js";

const bytes = (s: string) => new TextEncoder().encode(s);

describe("UartLineSplitter", () => {
  it("emits complete lines only, keeping a partial line for the next chunk", () => {
    const splitter = new UartLineSplitter();
    expect(splitter.push(bytes('{"seq":1}\r\n{"se'))).toEqual(['{"seq":1}']);
    expect(splitter.pendingBytes).toBe(4);
    expect(splitter.push(bytes('q":2}\r'))).toEqual([]);
    expect(splitter.push(bytes("\n\r\n\nlast"))).toEqual(['{"seq":2}']);
    expect(splitter.pendingBytes).toBe(4);
  });

  it("decodes a UTF-8 character split across chunks and replaces invalid bytes deterministically", () => {
    const splitter = new UartLineSplitter();
    const data = bytes("21.5°C\n");
    expect(splitter.push(data.subarray(0, 5))).toEqual([]);
    expect(splitter.push(data.subarray(5))).toEqual(["21.5°C"]);
    expect(splitter.push(Uint8Array.of(0x41, 0xff, 0x0a))).toEqual(["A\uFFFD"]);
  });

  it("cuts a line that exceeds the limit instead of buffering forever", () => {
    const splitter = new UartLineSplitter(4);
    expect(splitter.push(bytes("abcdefghij"))).toEqual(["abcd", "efgh"]);
    expect(splitter.push(bytes("\n"))).toEqual(["ij"]);
  });
});

describe("uartLinePayload", () => {
  it("sends a JSON object line as the object and anything else as text", () => {
    expect(uartLinePayload('{"seq":3,"t_ms":300,"temp_c":21.71}')).toEqual({ seq: 3, t_ms: 300, temp_c: 21.71 });
    expect(uartLinePayload("T=300 temp=21.71")).toBe("T=300 temp=21.71");
    expect(uartLinePayload("{broken")).toBe("{broken");
    expect(uartLinePayload("{not json}")).toBe("{not json}");
    expect(uartLinePayload("[1,2]")).toBe("[1,2]");
  });
});

describe("uartLinePayload and nesting", () => {
  const objects = (depth: number) => `${'{"a":'.repeat(depth - 1)}{}${"}".repeat(depth - 1)}`;

  it("sends an object nested MAX_PAYLOAD_DEPTH levels deep as the object, one level more as text", () => {
    expect(MAX_PAYLOAD_DEPTH).toBe(64);
    expect(typeof uartLinePayload(objects(MAX_PAYLOAD_DEPTH))).toBe("object");
    expect(uartLinePayload(objects(MAX_PAYLOAD_DEPTH + 1))).toBe(objects(MAX_PAYLOAD_DEPTH + 1));
  });

  it("turns a line nesting 30,000 levels (the most a UART line holds) into text, which the rest of the run can handle", () => {
    const line = `{"a":${"[".repeat(30_000)}${"]".repeat(30_000)}}`;
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(MAX_UART_LINE_BYTES);
    const [split] = new UartLineSplitter().push(bytes(`${line}\n`));
    expect(split).toBe(line);
    // JSON.parse reads it, but JSON.stringify (message size, trace) of the result would overflow the stack.
    expect(() => JSON.stringify(JSON.parse(line))).toThrow(RangeError);
    const payload = uartLinePayload(split!);
    expect(payload).toBe(line);
    expect(() => structuredClone(payload)).not.toThrow();
    expect(JSON.parse(JSON.stringify(payload))).toBe(line);
  });
});

describe("encodeInbound", () => {
  it("writes strings as text and other payloads as JSON, one line each", () => {
    expect(new TextDecoder().decode(encodeInbound("set 5"))).toBe("set 5\n");
    expect(new TextDecoder().decode(encodeInbound("done\n"))).toBe("done\n");
    expect(new TextDecoder().decode(encodeInbound({ cmd: "led", on: true }))).toBe('{"cmd":"led","on":true}\n');
    expect(new TextDecoder().decode(encodeInbound(undefined))).toBe("null\n");
  });
});
