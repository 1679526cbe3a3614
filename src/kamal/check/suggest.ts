// "Did you mean …?" for a secret name that nothing provides: the closest name the
// app knows (deploy.yml, its secrets files, the vault), so that a typo is fixed where
// it is, never by storing a secret under the misspelt name.

/** Beyond this many known names (a generated or hostile file), no suggestion is worth the time. */
const MAX_KNOWN = 5000;

/** The known name closest to `name` (a few edits, or a different case), or null. */
export function closestName(name: string, known: Set<string>): string | null {
  if (known.size > MAX_KNOWN) return null;
  let best: string | null = null;
  let bestDistance = Infinity;
  // short names are only a different case of each other; longer ones a few edits apart
  const limit = name.length <= 3 ? 0.5 : name.length <= 6 ? 1 : name.length <= 12 ? 2 : 3;
  for (const candidate of known) {
    if (candidate === name) continue;
    const d =
      candidate.toLowerCase() === name.toLowerCase()
        ? 0.5
        : editDistance(name, candidate, Math.min(limit, bestDistance));
    if (d <= limit && d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Damerau-Levenshtein distance (adjacent swaps count once), or `limit + 1` once it is surely above `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2] + 1);
      current.push(d);
      rowMin = Math.min(rowMin, d);
    }
    if (rowMin > limit) return limit + 1;
    before = previous;
    previous = current;
  }
  return previous[b.length];
}
