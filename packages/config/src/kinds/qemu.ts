import type { NodeKind } from "../node-kind.js";
import { NodeNames } from "../node-names.js";
import { describePath } from "../problem.js";
import { absolute } from "../resolve-context.js";

// quantum_us: 1 ms, the example firmware's tick; never longer than time_quantum_us.
const DEFAULTS = Object.freeze({ serial: 0, icount_shift: 0, quantum_us: 1_000 });

/** `type: qemu`: firmware in QEMU's qemu-system-arm, stepped exactly in virtual time by @sim/launcher-qemu. */
export const qemuKind = {
  runs: "external",
  receives: true,
  schema: "qemu_node",
  references: ["target"],
  defaults: DEFAULTS,
  resolve(entry, input, ctx) {
    const target = input.target !== undefined ? ctx.receiver(input.target, ["nodes", entry.key, "target"]) : null;
    const shift = input.icount_shift ?? DEFAULTS.icount_shift;
    // A step must end on an instruction boundary: a multiple of 2^shift ns, so of unitUs µs.
    const stepNs = 2 ** shift;
    const unitUs = stepNs / gcd(stepNs, 1000);
    const quantum = input.quantum_us ?? Math.max(unitUs, Math.floor(Math.min(DEFAULTS.quantum_us, ctx.timeQuantumUs) / unitUs) * unitUs);
    const path = ["nodes", entry.key, "quantum_us"];
    let ok = target !== undefined;
    if (quantum > ctx.timeQuantumUs) {
      ok = false;
      ctx.problems.add({
        code: "out-of-range",
        path,
        // A default that does not fit (icount_shift's unit is longer than the run's quantum): point at the shift.
        locatePath: input.quantum_us === undefined ? ["nodes", entry.key, "icount_shift"] : path,
        message: `${describePath(path)} (${quantum} µs) is longer than time_quantum_us (${ctx.timeQuantumUs} µs)`,
        hint: "QEMU's step must fit in the run's quantum: lower quantum_us or raise time_quantum_us",
      });
    }
    if (quantum % unitUs !== 0) {
      ok = false;
      ctx.problems.add({
        code: "bad-value",
        path,
        message: `${describePath(path)} (${quantum} µs) is not a multiple of one instruction (2^${shift} = ${stepNs} ns with icount_shift ${shift})`,
        hint: `use a multiple of ${unitUs} µs, or a smaller icount_shift`,
      });
    }
    if (!ok || target === undefined) return undefined;
    const firmware = absolute(ctx, input.firmware);
    return (base) => ({
      id: base.id,
      group: base.group,
      group_index: base.group_index,
      group_size: base.group_size,
      type: "qemu",
      machine: input.machine,
      firmware,
      serial: input.serial ?? DEFAULTS.serial,
      target: target === null ? null : NodeNames.targetFor(target, base.group_index),
      icount_shift: shift,
      quantum_us: quantum,
    });
  },
  files: (node) => [{ key: ["firmware"], file: node.firmware, kind: "file", what: "firmware" }],
} as const satisfies NodeKind<"qemu">;

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
