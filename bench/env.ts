// Whole-number settings read from the environment by the benchmark tools, checked one way: a
// clear error naming the variable, the range and the value. No imports, so the in-process worker
// (the process being measured) loads nothing more for it.

/** `raw` as a whole number in [min, max]; `fallback` when undefined; throws naming `name`. */
export function wholeNumber(name: string, raw: string | undefined, fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${String(min)}` : `from ${String(min)} to ${String(max)}`;
    throw new Error(`${name}: expected a whole number ${range}, got "${raw}"`);
  }
  return n;
}
