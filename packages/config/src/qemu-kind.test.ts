import { describe, expect, it } from "vitest";
import { parseScenario } from "./index.js";
import type { Problem, ResolvedQemuNode } from "./index.js";

const parse = (text: string) => parseScenario(text, { source: "/experiments/test.yaml" });

function scenario(node: string, top = ""): string {
  return `duration_sec: 1\n${top}nodes:\n  mcu:\n    type: qemu\n${node
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n")}\n  cloud: {type: cloud}\n`;
}

function resolved(text: string): ResolvedQemuNode {
  const result = parse(text);
  if (!result.ok) throw new Error(result.problems.map((p) => `${p.line}:${p.column} ${p.message}`).join("\n"));
  return result.scenario.nodes.find((n): n is ResolvedQemuNode => n.type === "qemu")!;
}

function problems(text: string): Problem[] {
  const result = parse(text);
  if (result.ok) throw new Error("expected problems, the scenario is valid");
  return result.problems.filter((p) => p.severity === "error");
}

describe("type: qemu", () => {
  it("resolves with its defaults: serial 0, icount_shift 0, quantum_us 1000, the firmware relative to the scenario", () => {
    expect(resolved(scenario("machine: netduinoplus2\nfirmware: fw/sensor.elf\ntarget: cloud"))).toEqual({
      id: "mcu",
      group: "mcu",
      group_index: 0,
      group_size: 1,
      type: "qemu",
      machine: "netduinoplus2",
      firmware: "/experiments/fw/sensor.elf",
      serial: 0,
      target: "cloud",
      icount_shift: 0,
      quantum_us: 1000,
    });
  });

  it("never defaults quantum_us above time_quantum_us, and rounds it down to whole instructions", () => {
    expect(resolved(scenario("machine: mps2-an385\nfirmware: /fw.elf", "time_quantum_us: 300\n")).quantum_us).toBe(300);
    // 2^9 ns = 512 ns: a multiple of 64 µs.
    expect(resolved(scenario("machine: mps2-an385\nfirmware: /fw.elf\nicount_shift: 9")).quantum_us).toBe(960);
    expect(resolved(scenario("machine: mps2-an385\nfirmware: /fw.elf\nicount_shift: 3\nquantum_us: 7")).quantum_us).toBe(7);
  });

  it("refuses a quantum_us that is not whole instructions, or longer than time_quantum_us, at its position", () => {
    expect(problems(scenario("machine: netduinoplus2\nfirmware: fw.elf\nicount_shift: 4\nquantum_us: 101"))).toEqual([
      expect.objectContaining({
        code: "bad-value",
        line: 8,
        column: 17,
        path: ["nodes", "mcu", "quantum_us"],
        message: "nodes.mcu.quantum_us (101 µs) is not a multiple of one instruction (2^4 = 16 ns with icount_shift 4)",
        hint: "use a multiple of 2 µs, or a smaller icount_shift",
      }),
    ]);
    expect(problems(scenario("machine: netduinoplus2\nfirmware: fw.elf\nquantum_us: 20000"))).toEqual([
      expect.objectContaining({ code: "out-of-range", line: 7, column: 17, message: "nodes.mcu.quantum_us (20000 µs) is longer than time_quantum_us (10000 µs)" }),
    ]);
    // A default that cannot fit points at the shift that makes it so.
    expect(problems(scenario("machine: netduinoplus2\nfirmware: fw.elf\nicount_shift: 9", "time_quantum_us: 50\n"))).toEqual([
      expect.objectContaining({ code: "out-of-range", line: 8, column: 19, message: "nodes.mcu.quantum_us (64 µs) is longer than time_quantum_us (50 µs)" }),
    ]);
  });

  it("checks machine names, serial and icount_shift with the schema", () => {
    const codes = problems(scenario("machine: 'netduino plus'\nfirmware: fw.elf\nserial: 4\nicount_shift: 10")).map((p) => [p.path.join("."), p.code]);
    expect(codes).toEqual([
      ["nodes.mcu.machine", "bad-format"],
      ["nodes.mcu.serial", "out-of-range"],
      ["nodes.mcu.icount_shift", "out-of-range"],
    ]);
    expect(problems(scenario("firmware: fw.elf")).map((p) => p.code)).toEqual(["missing-key"]);
  });

  it("sends UART lines of each member of a group to its own target", () => {
    const result = parse("duration_sec: 1\nnodes:\n  mcu: {type: qemu, count: 2, machine: netduinoplus2, firmware: fw.elf, target: gw}\n  gw: {type: gateway, count: 2}\n  cloud: {type: cloud}\n");
    expect(result.ok && result.scenario.nodes.filter((n) => n.type === "qemu").map((n) => [n.id, (n as ResolvedQemuNode).target])).toEqual([
      ["mcu_0", "gw_0"],
      ["mcu_1", "gw_1"],
    ]);
  });
});
