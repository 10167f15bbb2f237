/**
 * The QEMU command line of a stepped firmware: one function, so that the stepper
 * starts what the dry-run plan shows.
 */

/** Virtual time between attempts to give the UART a received byte it could not take yet. */
export const DEFAULT_RX_INTERVAL_NS = 10_000;

export interface QemuCommandLine {
  machine: string;
  firmware: string;
  icountShift: number;
  /** Which serial port (in `-serial` order) is the stepped UART; the ones before it are `null`. */
  serial: number;
  plugin: string;
  socketPath: string;
  txPath: string;
  rxIntervalNs: number;
  extraArgs?: readonly string[];
}

/** QEMU's arguments (without the executable). No shell is involved: each is one argv entry. */
export function qemuArgs(c: QemuCommandLine): string[] {
  return [
    ...(c.extraArgs ?? []),
    "-M",
    c.machine,
    "-display",
    "none",
    "-monitor",
    "none",
    ...Array.from({ length: c.serial }, () => ["-serial", "null"]).flat(),
    "-serial",
    "chardev:sim_uart",
    "-chardev",
    `file,id=sim_uart,path=${optValue(c.txPath)}`,
    "-icount",
    `shift=${c.icountShift},sleep=off,align=off`,
    "-plugin",
    `${optValue(c.plugin)},sock=${optValue(c.socketPath)},tx=${optValue(c.txPath)},chardev=sim_uart,rx_interval_ns=${c.rxIntervalNs}`,
    "-kernel",
    c.firmware,
  ];
}

/** A value inside a QEMU option string: a comma is written as two. */
export function optValue(value: string): string {
  return value.replaceAll(",", ",,");
}
