/** The look of every figure: one column of a two-column paper, readable when printed. */
import type { TopLevelSpec } from "vega-lite";

/** 3.3 in at 96 px per inch (CSS's and Inkscape's px), so `\includesvg[width=\columnwidth]` keeps the type size. */
export const COLUMN_WIDTH_PX = 317;

/** Height of the plot and its axes, before the legend below it. */
export const PLOT_HEIGHT_PX = 190;

/** Legend rows are about this high at 8 px labels. */
const LEGEND_ROW_PX = 12;

const LEGEND_COLUMNS = 2;

const CONFIG = {
  font: "Helvetica, Arial, sans-serif",
  background: "white",
  view: { stroke: "#bbb" },
  axis: { labelFontSize: 8, titleFontSize: 9, titleFontWeight: "normal", gridColor: "#e8e8e8", domainColor: "#666", tickColor: "#666", labelColor: "#222", titleColor: "#222" },
  legend: { orient: "bottom", offset: 6, padding: 0, titlePadding: 3, labelFontSize: 8, titleFontSize: 8, titleFontWeight: "normal", columns: LEGEND_COLUMNS, labelLimit: 140, symbolSize: 50, rowPadding: 2 },
  line: { strokeWidth: 1.5 },
  point: { size: 18, filled: true },
} as const;

/**
 * A spec sized for a paper column, with `legendEntries` entries in the legend
 * below the plot (0: none). The size includes axes and legend (autosize fit).
 */
export function paperFigure(spec: Record<string, unknown>, options: { legendEntries: number; plotHeight?: number }): TopLevelSpec {
  const legendRows = Math.ceil(options.legendEntries / LEGEND_COLUMNS);
  const legend = options.legendEntries > 0 ? 18 + legendRows * LEGEND_ROW_PX : 0;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    width: COLUMN_WIDTH_PX,
    height: (options.plotHeight ?? PLOT_HEIGHT_PX) + legend,
    autosize: { type: "fit", contains: "padding" },
    padding: 4,
    // 0 entries: no legend even where a colour is encoded (one series, named in the caption).
    config: options.legendEntries > 0 ? CONFIG : { ...CONFIG, legend: { ...CONFIG.legend, disable: true } },
    ...spec,
  } as TopLevelSpec;
}
