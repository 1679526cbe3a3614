// dotenv's Parser::LINE, `string.scan(LINE)`, as a hand-written scanner: the same
// matches as Ruby's backtracking engine, in linear time (a regex in JavaScript took
// minutes on 200,000 blank lines). The pattern (dotenv 3.1.8 and 3.2.0 alike):
//
//   (?:^|\A) \s* (?<export>export\s+)? (?<key>[\w.]+)
//   (?: (?:\s*=\s*?|:\s+?) (?<value> \s*'(?:\\'|[^'])*' | \s*"(?:\\"|[^"])*" | [^\#\n]+ )? )?
//   \s* (?:\#.*)? (?:$|\z)
//
// \s is ASCII white space (space, \t, \n, \v, \f, \r) and \w is [A-Za-z0-9_]; `$` is
// the end of a line. Each greedy step below is taken whole whenever a shorter one could
// not lead to a match (say, after \s* only a non-space can follow); where backtracking
// can matter (a quoted value whose closing quote is followed by text), the candidates
// are tried in the order Ruby tries them.

export interface LineMatch {
  key: string;
  /** the value group as matched (leading white space and quotes included); undefined when absent */
  value: string | undefined;
  exported: boolean;
  /** 1-based line of the key */
  line: number;
  /** an unquoted value ended by a `#` with no white space before it */
  cutAtHash: boolean;
}

const isSpace = (c: string | undefined) =>
  c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';
const isKeyChar = (c: string | undefined) =>
  c !== undefined &&
  ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c === '_' || c === '.');

/** Every match, in order. */
export function matchLines(s: string): LineMatch[] {
  const matches: LineMatch[] = [];
  forEachLine(s, (m) => {
    matches.push(m);
    return true;
  });
  return matches;
}

/**
 * Each match in order, handed to `onMatch` as it is found, until it returns false. The
 * model (dotenv-model.ts) reads a file this way: half a million matches kept in an array
 * until the end would cost more in garbage collection than the scan itself.
 */
export function forEachLine(s: string, onMatch: (m: LineMatch) => boolean): void {
  const n = s.length;
  const skipSpace = (i: number) => {
    while (i < n && isSpace(s[i])) i++;
    return i;
  };
  const endOfLine = (i: number) => {
    const nl = s.indexOf('\n', i);
    return nl < 0 ? n : nl;
  };

  /** \s* (?:\#.*)? (?:$|\z) at `i`: where the match ends, or -1. */
  const tail = (i: number): number => {
    const j = skipSpace(i);
    if (j === n) return n;
    if (s[j] === '#') return endOfLine(j);
    // backtrack \s* to the last newline it crossed, where `$` matches
    const nl = s.lastIndexOf('\n', j - 1);
    return nl >= i ? nl : -1;
  };

  /** A quoted value whose opening quote is at `q`: [value end, match end] in the order Ruby tries them, or null. */
  const quoted = (q: number): [number, number] | null => {
    const quote = s[q];
    const escapedQuotes: number[] = [];
    let i = q + 1;
    while (i < n && s[i] !== quote) {
      if (s[i] === '\\' && s[i + 1] === quote) {
        escapedQuotes.push(i + 1);
        i += 2;
      } else i += 1;
    }
    const closings = i < n ? [i] : [];
    for (let k = escapedQuotes.length - 1; k >= 0; k--) closings.push(escapedQuotes[k]);
    for (const c of closings) {
      const end = tail(c + 1);
      if (end >= 0) return [c + 1, end];
    }
    return null;
  };

  /** The optional value group at `v`, and the tail after it. */
  const valueAt = (v: number): { value: string | undefined; end: number; cutAtHash: boolean } => {
    const q = skipSpace(v);
    if (s[q] === "'" || s[q] === '"') {
      const r = quoted(q);
      if (r) return { value: s.slice(v, r[0]), end: r[1], cutAtHash: false };
    }
    if (v < n && s[v] !== '#' && s[v] !== '\n') {
      let e = v;
      while (e < n && s[e] !== '#' && s[e] !== '\n') e++;
      // tail() always matches here: e is at a `#`, a newline or the end
      return { value: s.slice(v, e), end: tail(e), cutAtHash: s[e] === '#' && !isSpace(s[e - 1]) };
    }
    // without a value, the tail always matches: at a `#`, a newline or the end
    return { value: undefined, end: tail(v), cutAtHash: false };
  };

  /** key, then the optional separator and value, then the tail; null when that fails. */
  const keyAt = (k: number): { key: string; value: string | undefined; end: number; cutAtHash: boolean } | null => {
    let e = k;
    while (isKeyChar(s[e])) e++;
    if (e === k) return null;
    const key = s.slice(k, e);
    // (?:\s*=\s*?|:\s+?): the lazy white space is never extended, because the value or the tail
    // always matches right after the separator.
    const w = skipSpace(e);
    const v = s[w] === '=' ? w + 1 : s[e] === ':' && isSpace(s[e + 1]) ? e + 2 : -1;
    if (v >= 0) return { key, ...valueAt(v) };
    const end = tail(e);
    return end < 0 ? null : { key, value: undefined, end, cutAtHash: false };
  };

  let line = 1;
  let counted = 0;
  const lineOf = (i: number) => {
    for (; counted < i; counted++) if (s[counted] === '\n') line++;
    return line;
  };

  for (let p = 0; ; ) {
    // the next line start at or after p, where (?:^|\A) matches
    let start = p;
    if (p > 0 && s[p - 1] !== '\n') {
      const nl = s.indexOf('\n', p);
      if (nl < 0) return;
      start = nl + 1;
    }
    const j = skipSpace(start);
    const afterExport = s.startsWith('export', j) && isSpace(s[j + 6]) ? skipSpace(j + 6) : -1;
    const exportedMatch = afterExport >= 0 ? keyAt(afterExport) : null;
    const m = exportedMatch ?? keyAt(j);
    if (m) {
      const exported = exportedMatch !== null;
      const goOn = onMatch({
        key: m.key,
        value: m.value,
        exported,
        line: lineOf(exported ? afterExport : j),
        cutAtHash: m.cutAtHash,
      });
      if (!goOn || m.end >= n) return;
      p = m.end;
      continue;
    }
    // Every line start up to j skips to j and fails the same way: go on after j's line.
    const next = s.indexOf('\n', j);
    if (next < 0) return;
    p = next + 1;
  }
}
