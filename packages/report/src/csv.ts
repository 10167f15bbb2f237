/**
 * A small RFC 4180 reader for the tables sim writes (results.csv, points.csv,
 * metrics.csv, timeseries.csv): quoted fields with "" escapes, \n or \r\n.
 */

/** Rows of a CSV text, each an object keyed by the header's names; empty fields stay "". */
export function parseCsv(text: string): { header: string[]; rows: Record<string, string>[] } {
  const records = csvRecords(text);
  const header = records.shift() ?? [];
  const rows = records
    .filter((r) => !(r.length === 1 && r[0] === ""))
    .map((r) => Object.fromEntries(header.map((name, i) => [name, r[i] ?? ""])));
  return { header, rows };
}

/** Every record of `text` as a list of fields. */
export function csvRecords(text: string): string[][] {
  const records: string[][] = [];
  let field = "";
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      record.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      record.push(field);
      records.push(record);
      record = [];
      field = "";
    } else field += c;
  }
  if (field !== "" || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}

/** A number from a CSV field; null for an empty or non-numeric field. */
export function csvNumber(field: string | undefined): number | null {
  if (field === undefined || field.trim() === "") return null;
  const n = Number(field);
  return Number.isFinite(n) ? n : null;
}
