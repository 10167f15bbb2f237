import { SimError } from "@sim/config";

/** The folder given to `sim report` is neither a run's output folder nor a sweep's result store. */
export class ReportInputError extends SimError {
  readonly path: string;
  constructor(path: string, reason: string) {
    super("SIM_REPORT_INPUT", `${path}: ${reason}; expected a run folder (with summary.json, as \`sim run\` writes) or a sweep folder (with sweep.json, results.csv and points.csv, as \`sim sweep\` writes)`);
    this.path = path;
  }
}
