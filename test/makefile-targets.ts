// Rule targets of a Makefile, and the targets `make help` lists.

/** Explicit rule targets (`name:` or `name: deps`), not variables (`:=`, `?=`) or special targets. */
export function ruleTargets(makefile: string): string[] {
  const out: string[] = [];
  for (const line of makefile.split('\n')) {
    const m = /^([A-Za-z0-9_-]+(?:\s+[A-Za-z0-9_-]+)*)\s*:(?![=:])/.exec(line);
    if (!m?.[1]) continue;
    for (const t of m[1].split(/\s+/)) if (!out.includes(t)) out.push(t);
  }
  return out;
}

/** First column of `make help`. */
export function helpTargets(helpOutput: string): string[] {
  return helpOutput
    .split('\n')
    .map((l) => /^\s+([A-Za-z0-9_-]+)\s{2,}\S/.exec(l)?.[1])
    .filter((t): t is string => t !== undefined);
}

export function undocumented(makefile: string, helpOutput: string): string[] {
  const listed = new Set(helpTargets(helpOutput));
  return ruleTargets(makefile).filter((t) => !listed.has(t));
}
