/**
 * Splits a stream of text chunks into lines without letting one line grow past a
 * bound. Dependency-free (the SDK uses it). `\r\n` is accepted; blank lines are skipped.
 */
export class LineSplitter {
  private pending = "";

  constructor(private readonly maxLength: number) {}

  /**
   * Calls `onLine` for every complete line in `chunk`. Returns null, or the start of
   * the line that went past `maxLength` (the splitter must not be used after that).
   */
  push(chunk: string, onLine: (line: string) => void): string | null {
    let start = 0;
    let nl = chunk.indexOf("\n");
    if (nl !== -1 && this.pending.length > 0) {
      const line = this.pending + chunk.slice(0, nl);
      this.pending = "";
      if (line.length > this.maxLength) return line;
      emit(line, onLine);
      start = nl + 1;
      nl = chunk.indexOf("\n", start);
    }
    while (nl !== -1) {
      if (nl - start > this.maxLength) return chunk.slice(start, nl);
      emit(chunk.slice(start, nl), onLine);
      start = nl + 1;
      nl = chunk.indexOf("\n", start);
    }
    if (start < chunk.length) {
      if (this.pending.length + chunk.length - start > this.maxLength) {
        return this.pending + chunk.slice(start, start + this.maxLength);
      }
      this.pending += start === 0 ? chunk : chunk.slice(start);
    }
    return null;
  }

  /** Text received after the last newline (a line the writer never finished). */
  get rest(): string {
    return this.pending;
  }
}

function emit(line: string, onLine: (line: string) => void): void {
  const end = line.charCodeAt(line.length - 1) === 13 ? line.length - 1 : line.length;
  if (end === 0) return;
  onLine(end === line.length ? line : line.slice(0, end));
}
