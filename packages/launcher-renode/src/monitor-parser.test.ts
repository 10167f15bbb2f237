import { describe, expect, it } from "vitest";
import {
  EscapeFilter,
  formatSeconds,
  interpretReply,
  monitorPath,
  monitorPathProblem,
  MonitorOutputParser,
  parseCurrentTime,
  TelnetFilter,
} from "./monitor-parser.js";

const NEGOTIATION = [0xff, 0xfd, 0x00, 0xff, 0xfb, 0x01, 0xff, 0xfb, 0x03, 0xff, 0xfc, 0x22, 0xff, 0xfd, 0x1f];
const bytes = (s: string) => new TextEncoder().encode(s);

/** Feeds `data` to a fresh parser in chunks of the given sizes (cycled) and collects the replies. */
function feedInChunks(data: Uint8Array, sizes: number[]) {
  const parser = new MonitorOutputParser();
  const replies: { prompt: string; text: string }[] = [];
  for (let i = 0, k = 0; i < data.length; k++) {
    const size = sizes[k % sizes.length] ?? 1;
    parser.feed(data.subarray(i, i + size));
    i += size;
    const reply = parser.takeReply();
    if (reply) replies.push(reply);
  }
  return { replies, parser };
}

describe("TelnetFilter", () => {
  it("removes negotiation bytes even when every byte arrives in its own packet", () => {
    const filter = new TelnetFilter();
    const input = [...NEGOTIATION, ...bytes("Renode")];
    const out: number[] = [];
    for (const b of input) out.push(...filter.push(Uint8Array.of(b)));
    expect(new TextDecoder().decode(Uint8Array.from(out))).toBe("Renode");
  });

  it("keeps an escaped 0xFF and drops subnegotiations split across packets", () => {
    const filter = new TelnetFilter();
    const a = filter.push(Uint8Array.of(0x41, 0xff, 0xfa, 0x1f, 0x00));
    const b = filter.push(Uint8Array.of(0x50, 0xff, 0xf0, 0x42, 0xff));
    const c = filter.push(Uint8Array.of(0xff, 0x43, 0xff, 0xf1, 0x44));
    expect([...a, ...b, ...c]).toEqual([0x41, 0x42, 0xff, 0x43, 0x44]);
  });
});

describe("EscapeFilter", () => {
  it("strips CSI sequences, ESC 7/8, OSC titles and carriage returns, across chunk boundaries", () => {
    const filter = new EscapeFilter();
    const text = "\x1b]0;Renode\x07ab\x1b[?25lc\x1b7d\x1b[1;1He\x1b8f\r\n\x1b[K(m) ";
    let out = "";
    for (const ch of text) out += filter.push(ch);
    expect(out).toBe("abcdef\n(m) ");
  });

  it("keeps the character that ends a malformed CSI sequence", () => {
    expect(new EscapeFilter().push("x\x1b[12\ny")).toBe("x\ny");
  });
});

describe("MonitorOutputParser", () => {
  const session = [
    ...NEGOTIATION,
    ...bytes("Renode, version 1.16.1.0 (abc)\r\n\r\n(monitor) "),
  ];

  it("reads the banner as one reply ending in the (monitor) prompt, whatever the chunking", () => {
    for (const sizes of [[1], [2, 3], [7], [session.length]]) {
      const { replies } = feedInChunks(Uint8Array.from(session), sizes);
      expect(replies).toEqual([{ prompt: "monitor", text: "Renode, version 1.16.1.0 (abc)\n\n" }]);
    }
  });

  it("does not complete on a prompt split across chunks until its final space arrives", () => {
    const parser = new MonitorOutputParser();
    parser.feed(bytes("currentTime\n\rCurrent virtual time: 00:00:00.010000000\r\n(mc"));
    expect(parser.takeReply()).toBeNull();
    parser.feed(bytes("u)"));
    expect(parser.takeReply()).toBeNull();
    parser.feed(bytes(" "));
    expect(parser.takeReply()).toEqual({ prompt: "mcu", text: "currentTime\nCurrent virtual time: 00:00:00.010000000\n" });
  });

  it("does not take a parenthesised word inside a line for a prompt", () => {
    const parser = new MonitorOutputParser();
    parser.feed(bytes("LoadELF\n\rloaded (firmware) "));
    expect(parser.takeReply()).toBeNull();
    expect(parser.pending()).toBe("LoadELF\nloaded (firmware) ");
  });

  it("finds the prompt behind escape noise split into 1-3 byte packets", () => {
    const noisy = bytes("\x1b7c\x1b[1;1Hu\x1b8r\x1b[?25lrentTime\x1b[K\n\rCurrent virtual time: 00:00:01.500000000\r\n\x1b[0G\x1b[?25h(sensor.1) ");
    const { replies } = feedInChunks(noisy, [1, 2, 3]);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.prompt).toBe("sensor.1");
    expect(parseCurrentTime(interpretReply("currentTime", replies[0]?.text ?? "").lines)).toBe(1_500_000);
  });

  it("decodes UTF-8 split across chunks", () => {
    const parser = new MonitorOutputParser();
    const data = bytes("echo\n\r°C\r\n(m) ");
    const split = data.indexOf(0xb0); // second byte of "°"
    parser.feed(data.subarray(0, split));
    parser.feed(data.subarray(split));
    expect(parser.takeReply()?.text).toBe("echo\n°C\n");
  });
});

describe("interpretReply", () => {
  it("drops the echo and reports no error for plain output", () => {
    expect(interpretReply("currentTime", "currentTime\nCurrent virtual time: 00:00:00.000000000\n")).toEqual({
      lines: ["Current virtual time: 00:00:00.000000000"],
      error: null,
    });
  });

  it.each([
    ["foo", "foo\nNo such command or device: foo\n", "No such command or device: foo"],
    ["sysbus LoadELF @/x.elf", "sysbus LoadELF @/x.elf\nThere was an error executing command 'sysbus LoadELF @/x.elf'\nCould not find file\n", "There was an error executing command 'sysbus LoadELF @/x.elf'"],
    ['x "', 'x "\nCould not tokenize here:\nx "\n  ^\n', "Could not tokenize here:"],
    ["sysbus.usart1 Nope", "sysbus.usart1 Nope\nsysbus.usart1 does not provide a field, method or property Nope.\n", "sysbus.usart1 does not provide a field, method or property Nope."],
  ])("treats Renode's error text as a failure of %j", (command, text, error) => {
    expect(interpretReply(command, text).error).toBe(error);
  });
});

describe("parseCurrentTime", () => {
  it("reads hours, minutes, seconds and nanosecond fractions into µs", () => {
    expect(parseCurrentTime(["Current virtual time: 00:00:00.010000000"])).toBe(10_000);
    expect(parseCurrentTime(["Current virtual time: 01:02:03.000004"])).toBe(3_723_000_004);
    expect(parseCurrentTime(["Current virtual time: 1.00:00:00"])).toBe(86_400_000_000);
    expect(parseCurrentTime(["Elapsed: nothing"])).toBeNull();
  });
});

describe("formatSeconds", () => {
  it("writes decimal seconds with six decimals and never a unit", () => {
    expect(formatSeconds(10_000)).toBe("0.010000");
    expect(formatSeconds(1)).toBe("0.000001");
    expect(formatSeconds(12_345_678_901)).toBe("12345.678901");
    expect(formatSeconds(0)).toBe("0.000000");
    expect(() => formatSeconds(1.5)).toThrow(RangeError);
    expect(() => formatSeconds(-1)).toThrow(RangeError);
  });
});

describe("monitor paths", () => {
  it("escapes spaces and refuses what the monitor's path token cannot carry", () => {
    expect(monitorPath("/tmp/my fw/a.elf")).toBe("@/tmp/my\\ fw/a.elf");
    expect(monitorPathProblem("/tmp/a;b.elf")).toMatch(/';'/);
    expect(monitorPathProblem("/tmp/a\tb.elf")).toMatch(/whitespace/);
    expect(monitorPathProblem("C:\\fw.elf")).toMatch(/escape/);
    expect(() => monitorPath("/a;b")).toThrow(RangeError);
  });
});
