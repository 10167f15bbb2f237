/**
 * How one quantum of the coordinator becomes QEMU steps: a stop at every multiple of
 * the node's `quantum_us` and at every delivery time, the bytes of the messages
 * delivered at a time given with the grant of the step that starts there. Pure.
 */
import type { InboundMessage, TimeUs } from "@sim/coordinator";
import { encodeInbound } from "@sim/protocol";

export interface Step {
  /** The grant: run until this time. */
  untilUs: TimeUs;
  /** Bytes given to the UART from the start of the step. */
  rx: Uint8Array;
}

export interface StepPlan {
  steps: Step[];
  /** Bytes of messages delivered at `untilUs` itself: they go with the next quantum's first grant. */
  carry: Uint8Array;
}

/**
 * The steps from `nowUs` to `untilUs` (> nowUs). A message delivered before `nowUs`
 * (late) is given at `nowUs`; messages at one time keep their order. `carry` holds
 * bytes left from the previous quantum (delivered at its end, which is `nowUs`).
 */
export function planSteps(nowUs: TimeUs, untilUs: TimeUs, quantumUs: TimeUs, inbound: readonly InboundMessage[], carry: Uint8Array = new Uint8Array(0)): StepPlan {
  const at = new Map<TimeUs, Uint8Array[]>();
  const give = (time: TimeUs, bytes: Uint8Array) => {
    const list = at.get(time);
    if (list === undefined) at.set(time, [bytes]);
    else list.push(bytes);
  };
  if (carry.length > 0) give(nowUs, carry);
  for (const message of inbound) give(Math.max(message.atUs, nowUs), encodeInbound(message.payload));
  const stops = new Set<TimeUs>([untilUs]);
  for (let t = (Math.floor(nowUs / quantumUs) + 1) * quantumUs; t < untilUs; t += quantumUs) stops.add(t);
  for (const time of at.keys()) if (time > nowUs && time < untilUs) stops.add(time);
  const steps: Step[] = [];
  let from = nowUs;
  for (const stop of [...stops].sort((a, b) => a - b)) {
    steps.push({ untilUs: stop, rx: concat(at.get(from) ?? []) });
    from = stop;
  }
  const after = [...at.entries()].filter(([time]) => time >= untilUs).sort(([a], [b]) => a - b).flatMap(([, list]) => list);
  return { steps, carry: concat(after) };
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  return Buffer.concat(parts);
}
