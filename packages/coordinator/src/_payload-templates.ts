import type { TraceRecorder } from "./trace-pipeline.js";
import type { PayloadJson } from "./types.js";

/** Values a payload template may have before its text is built here instead (bounds a trace record). */
const MAX_TEMPLATE_VALUES = 64;

/** A sender's one-entry cache of the last template it used (nodes mostly send one shape). */
export interface TemplateCache {
  lastParts: readonly string[] | null;
  lastTemplate: number;
}

/**
 * Payloads given as templates (`PayloadJson`, docs/engine.md): each template is
 * registered once per run by the identity of its `parts` array, and the trace gets
 * its parts once; a send line then carries only the template number and the values,
 * which the encoder formats.
 */
export class PayloadTemplates {
  /** Template numbers (in order of first use) by the identity of a `parts` array, and by its text. */
  private readonly byParts = new Map<readonly string[], number>();
  private readonly byText = new Map<string, number>();

  constructor(private readonly trace: TraceRecorder) {}

  /** Writes the send line of a payload given as a template; throws on a malformed one (a node failure). */
  traceSend(from: TemplateCache, now: number, link: number, msg: number, size: number, json: PayloadJson): void {
    const { parts, values } = json;
    if (parts.length !== values.length + 1) {
      throw new TypeError(`send: payload template has ${parts.length} parts for ${values.length} values; it needs one part more than values`);
    }
    for (let k = 0; k < values.length; k++) {
      if (typeof values[k] !== "number") throw new TypeError(`send: payload template value ${k} is ${typeof values[k]}, not a number`);
    }
    if (values.length > MAX_TEMPLATE_VALUES) {
      this.trace.send(now, link, msg, size, templateText(json));
      return;
    }
    let tpl = from.lastTemplate;
    if (from.lastParts !== parts) {
      tpl = this.byParts.get(parts) ?? this.register(parts);
      from.lastParts = parts;
      from.lastTemplate = tpl;
    }
    this.trace.sendValues(now, link, msg, size, tpl, values);
  }

  private register(parts: readonly string[]): number {
    for (const part of parts) if (typeof part !== "string") throw new TypeError(`send: payload template parts must be strings, got ${typeof part}`);
    // Equal parts in different arrays (e.g. one per node) share one template.
    const text = JSON.stringify(parts);
    let tpl = this.byText.get(text);
    if (tpl === undefined) {
      tpl = this.byText.size;
      this.byText.set(text, tpl);
      this.trace.template(tpl, parts);
    }
    this.byParts.set(parts, tpl);
    return tpl;
  }
}

/** The text of a payload template, built here (sends to no node; templates with very many values). */
export function templateText(json: PayloadJson): string {
  const { parts, values } = json;
  let text = parts[0]!;
  for (let k = 0; k < values.length; k++) text += JSON.stringify(values[k]) + parts[k + 1]!;
  return text;
}

/** A payload's JSON for the trace (null: no payload). */
export function payloadJson(payload: unknown): string | null {
  if (payload === undefined) return null;
  return JSON.stringify(payload) ?? null;
}
