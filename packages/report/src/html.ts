/** The HTML of a report: one file, no script, its style inline, every figure an inline SVG. */

export interface PageFigure {
  name: string;
  title: string;
  caption: string;
  svg: string;
  /** The figure's SVG file, relative to the page. */
  href: string;
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat("en-US", { maximumSignificantDigits: 4 });

/** A number for a table: integers with separators, others to 4 significant digits; "–" for none. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  return Number.isInteger(value) ? integer.format(value) : decimal.format(value);
}

/** A two-column table of label and value; values are HTML already (use cell() for text). */
export function keyValueTable(rows: [string, string][]): string {
  return `<table class="kv"><tbody>${rows.map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${v}</td></tr>`).join("")}</tbody></table>`;
}

/** A table with a header row; cells are HTML already. `numeric` columns are right-aligned. */
export function table(header: string[], rows: string[][], options: { numeric?: number[]; id?: string } = {}): string {
  const numeric = new Set(options.numeric ?? []);
  const cls = (i: number) => (numeric.has(i) ? ' class="num"' : "");
  return (
    `<div class="scroll"><table${options.id ? ` id="${options.id}"` : ""}><thead><tr>${header.map((h, i) => `<th scope="col"${cls(i)}>${escapeHtml(h)}</th>`).join("")}</tr></thead>` +
    `<tbody>${rows.map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${c}</td>`).join("")}</tr>`).join("")}</tbody></table></div>`
  );
}

export const code = (text: string) => `<code>${escapeHtml(text)}</code>`;

/** Ids inside an SVG made unique in the page (two inline SVGs may both define `clip1`). */
export function prefixSvgIds(svg: string, prefix: string): string {
  return svg.replace(/\bid="([^"]+)"/g, `id="${prefix}-$1"`).replace(/url\(#([^)]+)\)/g, `url(#${prefix}-$1)`).replace(/href="#([^"]+)"/g, `href="#${prefix}-$1"`);
}

export function figuresSection(figures: PageFigure[]): string {
  if (figures.length === 0) return "";
  const items = figures.map(
    (f, i) =>
      `<figure id="fig-${f.name}" data-figure="${escapeHtml(f.name)}">${prefixSvgIds(f.svg, `fig-${f.name}`)}` +
      `<figcaption><b>Figure ${i + 1}. ${escapeHtml(f.title)}.</b> ${escapeHtml(f.caption)} <a class="file" href="${escapeHtml(f.href)}">${escapeHtml(f.href)}</a></figcaption></figure>`,
  );
  return `<section id="figures"><h2>Figures</h2><div class="figures">${items.join("")}</div></section>`;
}

export function notesSection(notes: string[]): string {
  if (notes.length === 0) return "";
  return `<section id="notes"><h2>Not shown</h2><ul class="notes">${notes.map((n) => `<li>${escapeHtml(n)}</li>`).join("")}</ul></section>`;
}

const STYLE = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #1d1d1f; background: #fff; margin: 0 auto; padding: 24px 28px 48px; max-width: 1280px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 1px solid #ddd; }
h3 { font-size: 14px; margin: 18px 0 6px; }
.sub { color: #555; margin: 0 0 8px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; vertical-align: middle; }
.ok { background: #e3f4e6; color: #1b5e20; } .bad { background: #fde7e7; color: #8e1b1b; }
table { border-collapse: collapse; font-size: 13px; margin: 4px 0 8px; }
th, td { padding: 3px 10px 3px 0; text-align: left; vertical-align: top; border-bottom: 1px solid #eee; }
thead th { border-bottom: 1px solid #bbb; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; padding-left: 10px; }
table.kv th { font-weight: 500; color: #555; white-space: nowrap; }
.scroll { overflow-x: auto; }
.columns { display: flex; flex-wrap: wrap; gap: 12px 48px; }
code { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; word-break: break-all; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(400px, 1fr)); gap: 20px 28px; }
figure { margin: 0; break-inside: avoid; page-break-inside: avoid; }
figure svg { display: block; width: 100%; max-width: 560px; height: auto; }
figcaption { font-size: 12.5px; color: #333; margin-top: 6px; max-width: 560px; }
a.file { color: #666; font-size: 11.5px; }
.notes li { color: #555; }
details pre { background: #f6f6f6; padding: 10px; overflow-x: auto; font-size: 12px; }
footer { margin-top: 36px; color: #666; font-size: 12px; }
@media print {
  @page { margin: 14mm 12mm; }
  body { font-size: 9.5pt; padding: 0; max-width: none; }
  h1 { font-size: 15pt; } h2 { font-size: 12pt; margin-top: 14pt; break-after: avoid; page-break-after: avoid; }
  table { font-size: 8.5pt; } code { font-size: 8pt; }
  .figures { grid-template-columns: 1fr 1fr; gap: 10pt 16pt; }
  figure svg { max-width: 100%; }
  figcaption { font-size: 8.5pt; }
  a { color: inherit; text-decoration: none; }
  a.file, details { display: none; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; page-break-inside: avoid; }
  .scroll { overflow: visible; }
}
`;

/** The whole page. The content security policy forbids every fetch: the page works offline by construction. */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>
`;
}
