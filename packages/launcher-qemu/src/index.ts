export { createQemuLauncher, qemuLauncher } from "./launcher.js";
export type { QemuLauncherOptions } from "./launcher.js";
export { QemuNode } from "./qemu-node.js";
export type { QemuLaunchSettings } from "./qemu-node.js";
export { checkQemuNodes } from "./check.js";
export type { QemuCheckOptions } from "./check.js";
export { listMachines } from "./machines.js";
export { qemuArgs } from "./command-line.js";
export type { QemuCommandLine } from "./command-line.js";
export { planSteps } from "./step-plan.js";
export type { Step, StepPlan } from "./step-plan.js";
export { QemuStepper } from "./qemu-stepper.js";
export type { AdvanceResult, QemuStepperOptions } from "./qemu-stepper.js";
export { buildPlugin, PLUGIN_SOURCE } from "./build-plugin.js";
export type { BuildPluginOptions } from "./build-plugin.js";
export { buildExampleFirmware, installExampleFirmware, EXAMPLE_FIRMWARE_MACHINE, EXAMPLE_FIRMWARE_SOURCE, EXAMPLE_FIRMWARE_LINKER_SCRIPT } from "./build-firmware.js";
export type { BuildFirmwareOptions } from "./build-firmware.js";
export type { CompileResult } from "./_compile.js";
export { defaultCacheDir } from "./cache-dir.js";
export { probeQemu } from "./probe.js";
export type { ProbeOptions, ProbeResult } from "./probe.js";
export { encodeGrant, encodeQuit, FrameReader, MAX_FRAME_BYTES, PROTOCOL_VERSION } from "./plugin-protocol.js";
export type { PluginFrame } from "./plugin-protocol.js";
export {
  QemuBuildError,
  QemuExitedError,
  QemuNodeFailedError,
  QemuNotFoundError,
  QemuPluginUnsupportedError,
  QemuProtocolError,
  QemuTimeoutError,
  QemuUsageError,
} from "./errors.js";
export type { QemuNodePhase } from "./errors.js";
