export { writeReport, FIGURES_DIR } from "./write-report.js";
export { ReportInputError } from "./errors.js";
export { VegaSvgRenderer } from "./vega-renderer.js";
export { COLUMN_WIDTH_PX } from "./paper.js";
export type { FigureSpec, ReportOptions, ReportResult, SvgRenderer } from "./types.js";
