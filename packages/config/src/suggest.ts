/**
 * Optimal-string-alignment distance: Levenshtein plus adjacent transpositions, so
 * that "duraton" -> "duration" and "gatewya" -> "gateway" both cost one edit.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let prevPrev: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prevPrev[j - 2]! + 1);
      row.push(d);
    }
    prevPrev = prev;
    prev = row;
  }
  return prev[b.length]!;
}

/** The candidate closest to `word` when it is close enough to be a likely typo. */
export function closestMatch(word: string, candidates: Iterable<string>): string | undefined {
  // Words longer than any sensible key are not typos, and comparing them is quadratic.
  if (word.length > 64) return undefined;
  const lower = word.toLowerCase();
  const allowed = Math.max(1, Math.floor(word.length / 4));
  let best: string | undefined;
  let bestDistance = Infinity;
  const list = [...candidates];
  for (const candidate of list) {
    if (Math.abs(candidate.length - word.length) > allowed) continue;
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (bestDistance <= allowed) return best;
  // "inference" for "inference_ms", "directory" for "dir": one is a prefix of the other.
  if (word.length >= 3) {
    for (const candidate of list) {
      const c = candidate.toLowerCase();
      if (c.length >= 3 && (c.startsWith(lower) || lower.startsWith(c))) return candidate;
    }
  }
  return undefined;
}

/** `did you mean "x"?`, or undefined when nothing is close. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const match = closestMatch(word, candidates);
  return match === undefined ? undefined : `did you mean "${match}"?`;
}
