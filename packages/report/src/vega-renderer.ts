import type { TopLevelSpec } from "vega-lite";
import type { SvgRenderer } from "./types.js";

/**
 * Vega-Lite compiled to Vega, rendered headless by Vega's own SVG renderer
 * (`view.toSVG()`): no browser and no canvas. Text widths are Vega's estimates.
 */
export class VegaSvgRenderer implements SvgRenderer {
  async render(spec: TopLevelSpec): Promise<string> {
    const [vega, vegaLite] = await Promise.all([import("vega"), import("vega-lite")]);
    const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: "none" });
    try {
      return await view.toSVG();
    } finally {
      view.finalize();
    }
  }
}
