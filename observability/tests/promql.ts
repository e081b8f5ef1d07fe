// Offline PromQL checks with the Prometheus project's own Lezer grammar.
import { parser } from '@prometheus-io/lezer-promql';

export interface PromqlProblem {
  from: number;
  to: number;
  text: string;
}

/** Error nodes of the parse tree (empty when the expression parses). */
export function promqlErrors(expr: string): PromqlProblem[] {
  const problems: PromqlProblem[] = [];
  if (expr.trim() === '') return [{ from: 0, to: 0, text: '(empty expression)' }];
  const tree = parser.parse(expr);
  tree.iterate({
    enter(node) {
      if (node.type.isError) {
        problems.push({ from: node.from, to: node.to, text: expr.slice(Math.max(0, node.from - 10), node.to + 10) });
      }
    },
  });
  return problems;
}

/** Metric names used by vector selectors (`foo{...}`, `foo`), sorted, without duplicates. */
export function metricNames(expr: string): string[] {
  const names = new Set<string>();
  const tree = parser.parse(expr);
  tree.iterate({
    enter(node) {
      if (node.name === 'VectorSelector') {
        const id = node.node.getChild('Identifier');
        if (id) names.add(expr.slice(id.from, id.to));
      }
    },
  });
  return [...names].sort();
}

/** Throws with the expression and the place it breaks, for use in tests. */
export function assertParses(expr: string, where: string): void {
  const problems = promqlErrors(expr);
  if (problems.length > 0) {
    const at = problems.map((p) => `at ${p.from}: ...${p.text}...`).join('; ');
    throw new Error(`${where}: PromQL does not parse (${at}): ${expr}`);
  }
}
