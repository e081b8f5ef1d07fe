// A small implementation of Prometheus relabeling (actions replace, keep, drop, labelmap,
// labeldrop, labelkeep, lowercase, uppercase), enough to run the relabel_configs of
// prometheus/prometheus.yml on made-up Kubernetes discovery labels. Debian's promtool lacks
// kubernetes_sd, so the tests check the jobs this way and turn the result into a static
// config that Debian's Prometheus can run.

export type Labels = Record<string, string>;

export interface RelabelConfig {
  source_labels?: string[];
  separator?: string;
  regex?: string;
  target_label?: string;
  replacement?: string;
  action?: string;
}

const ACTIONS = new Set(['replace', 'keep', 'drop', 'labelmap', 'labeldrop', 'labelkeep', 'lowercase', 'uppercase']);

function anchored(regex: string): RegExp {
  // Prometheus anchors every relabel regex at both ends (RE2 syntax; ours is JS-compatible)
  return new RegExp(`^(?:${regex})$`);
}

function expand(replacement: string, m: RegExpExecArray): string {
  return replacement.replace(/\$\{(\w+)\}|\$(\d+)/g, (_s, a?: string, b?: string) => m[Number(a ?? b)] ?? '');
}

/** Checks one relabel config and says what is wrong, naming the key. */
export function relabelProblems(rc: RelabelConfig, where: string): string[] {
  const problems: string[] = [];
  const action = rc.action ?? 'replace';
  if (!ACTIONS.has(action)) problems.push(`${where}: action "${action}" is not one of ${[...ACTIONS].join(', ')}`);
  if (rc.regex !== undefined) {
    try {
      anchored(rc.regex);
    } catch (e) {
      problems.push(`${where}: regex "${rc.regex}" does not compile: ${(e as Error).message}`);
    }
  }
  if ((action === 'replace' || action === 'lowercase' || action === 'uppercase') && !rc.target_label) {
    problems.push(`${where}: action ${action} needs target_label`);
  }
  if ((action === 'keep' || action === 'drop') && !(rc.source_labels && rc.source_labels.length > 0)) {
    problems.push(`${where}: action ${action} needs source_labels`);
  }
  if ((action === 'labelmap' || action === 'labeldrop' || action === 'labelkeep') && rc.source_labels) {
    problems.push(`${where}: action ${action} takes no source_labels (it matches label names)`);
  }
  return problems;
}

/** Applies relabel configs; returns null when the target is dropped. */
export function relabel(input: Labels, configs: RelabelConfig[]): Labels | null {
  let labels: Labels = { ...input };
  for (const rc of configs) {
    const action = rc.action ?? 'replace';
    const re = anchored(rc.regex ?? '(.*)');
    const value = (rc.source_labels ?? []).map((l) => labels[l] ?? '').join(rc.separator ?? ';');
    switch (action) {
      case 'keep':
        if (!re.test(value)) return null;
        break;
      case 'drop':
        if (re.test(value)) return null;
        break;
      case 'replace': {
        const m = re.exec(value);
        if (!m || !rc.target_label) break;
        const target = expand(rc.target_label, m);
        const v = expand(rc.replacement ?? '$1', m);
        if (v === '') delete labels[target];
        else labels[target] = v;
        break;
      }
      case 'lowercase':
      case 'uppercase':
        if (rc.target_label) labels[rc.target_label] = action === 'lowercase' ? value.toLowerCase() : value.toUpperCase();
        break;
      case 'labelmap': {
        const out: Labels = { ...labels };
        for (const [name, v] of Object.entries(labels)) {
          const m = re.exec(name);
          if (m) out[expand(rc.replacement ?? '$1', m)] = v;
        }
        labels = out;
        break;
      }
      case 'labeldrop':
        for (const name of Object.keys(labels)) if (re.test(name)) delete labels[name];
        break;
      case 'labelkeep':
        for (const name of Object.keys(labels)) if (!re.test(name)) delete labels[name];
        break;
      default:
        throw new Error(`relabel action "${action}" is not supported`);
    }
  }
  return labels;
}

/** The labels Prometheus keeps on a target after relabeling: no `__` labels but __address__. */
export function targetLabels(labels: Labels): { address: string; labels: Labels } {
  const address = labels['__address__'];
  if (!address) throw new Error('target has no __address__ after relabeling');
  const out: Labels = {};
  for (const [k, v] of Object.entries(labels)) if (!k.startsWith('__')) out[k] = v;
  return { address, labels: out };
}

/** Discovery labels of one container port of a pod, as kubernetes_sd role pod makes them. */
export function podPortTarget(p: {
  namespace: string;
  pod: string;
  address: string;
  container: string;
  portName: string;
  podLabels?: Labels;
  phase?: string;
}): Labels {
  const labels: Labels = {
    __address__: p.address,
    __scheme__: 'http',
    __metrics_path__: '/metrics',
    __meta_kubernetes_namespace: p.namespace,
    __meta_kubernetes_pod_name: p.pod,
    __meta_kubernetes_pod_container_name: p.container,
    __meta_kubernetes_pod_container_port_name: p.portName,
    __meta_kubernetes_pod_phase: p.phase ?? 'Running',
  };
  for (const [k, v] of Object.entries(p.podLabels ?? {})) {
    labels[`__meta_kubernetes_pod_label_${k.replace(/[^a-zA-Z0-9_]/g, '_')}`] = v;
  }
  return labels;
}
