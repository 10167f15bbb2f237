import type { OutboundMessage } from "@sim/coordinator";
import { describe, expect, it } from "vitest";
import { UartMessages, UartSendLimitError } from "./uart-messages.js";

const bytes = (s: string) => new TextEncoder().encode(s);

describe("UartMessages", () => {
  it("makes each complete line a message to the target, stamped and numbered, and logs it", () => {
    const uart = new UartMessages("gw", 10);
    const out: OutboundMessage[] = [];
    const logged: string[] = [];
    uart.push(bytes('{"seq":1}\r\nhel'), 999, out, (line) => logged.push(line));
    uart.push(bytes("lo\r\n"), 1999, out, (line) => logged.push(line));
    expect(out).toEqual([
      { to: "gw", atUs: 999, payload: { seq: 1 }, sizeBytes: 9, nodeSeq: 0 },
      { to: "gw", atUs: 1999, payload: "hello", sizeBytes: 5, nodeSeq: 1 },
    ]);
    expect(logged).toEqual(['{"seq":1}', "hello"]);
    expect(uart.pendingBytes).toBe(0);
  });

  it("only logs lines when there is no target", () => {
    const out: OutboundMessage[] = [];
    const logged: string[] = [];
    new UartMessages(null, 10).push(bytes("a\nb\n"), 5, out, (line) => logged.push(line));
    expect(out).toEqual([]);
    expect(logged).toEqual(["a", "b"]);
  });

  it("throws UartSendLimitError past sends_per_quantum", () => {
    const out: OutboundMessage[] = [];
    const error = (() => {
      try {
        new UartMessages("gw", 2).push(bytes("a\nb\nc\n"), 5, out);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(UartSendLimitError);
    expect(error).toMatchObject({ code: "SIM_NODE_TOO_MANY_SENDS", limit: 2 });
    expect(out).toHaveLength(2);
  });
});
