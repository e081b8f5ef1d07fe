// Prometheus relabelling, enough to run the relabel_configs of prometheus/prometheus.yml on
// made-up Kubernetes discovery labels: which targets a job keeps and with which labels. No
// Prometheus tool answers that offline (promtool checks the config's syntax and validity; see
// prometheus-config.test.ts), so it is modelled on prometheus/prometheus at v3.14.0,
// model/relabel/relabel.go: `relabel` (actions keep, drop, replace, lowercase, uppercase,
// labelmap, labeldrop, labelkeep; source values joined by the separator ";"; replace does
// nothing without a match and deletes the target label when the result is empty), `NewRegexp`
// (every regex anchored as ^(?s:...)$) and `DefaultRelabelConfig` (action replace, regex (.*),
// replacement $1). Our regexes are also valid JavaScript; hashmod, keepequal and dropequal are
// not modelled (an error if used).

export type Labels = Record<string, string>;

export interface RelabelConfig {
  source_labels?: string[];
  separator?: string;
  regex?: string;
  target_label?: string;
  replacement?: string;
  action?: string;
}

function anchored(regex: string): RegExp {
  return new RegExp(`^(?:${regex})$`, 's');
}

function expand(replacement: string, m: RegExpExecArray): string {
  return replacement.replace(/\$\{(\w+)\}|\$(\d+)/g, (_s, a?: string, b?: string) => m[Number(a ?? b)] ?? '');
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
