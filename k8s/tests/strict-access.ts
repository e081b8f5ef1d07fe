// Makes a schema validator reject unknown fields: the kubernetes-models validators (ajv code
// compiled from the Kubernetes OpenAPI schema) check types, enums and required fields but accept
// any extra key, while the API server (kubectl apply --validate=strict) rejects it. Running the
// validator over a recording Proxy tells which keys the schema knows: the compiled code reads
// every property its schema declares, and enumerates the keys of a map (additionalProperties).
// A key of a non-map object the validator never read is therefore not in the schema.

interface Seen {
  read: Set<string>;
  enumerated: boolean;
}

export interface Recording {
  /** The proxy to hand to the validator. */
  proxy: unknown;
  /** After validation: paths of keys the schema does not declare. */
  unknownFields(): string[];
}

export function record(root: unknown): Recording {
  const seen = new Map<object, Seen>();
  const proxies = new WeakMap<object, object>();

  const wrap = (value: unknown): unknown => {
    if (value === null || typeof value !== 'object') return value;
    const existing = proxies.get(value);
    if (existing) return existing;
    const s: Seen = { read: new Set(), enumerated: false };
    seen.set(value, s);
    const proxy = new Proxy(value, {
      get(target, key, receiver) {
        if (typeof key === 'string') s.read.add(key);
        return wrap(Reflect.get(target, key, receiver));
      },
      has(target, key) {
        if (typeof key === 'string') s.read.add(key);
        return Reflect.has(target, key);
      },
      ownKeys(target) {
        s.enumerated = true;
        return Reflect.ownKeys(target);
      },
    });
    proxies.set(value, proxy);
    return proxy;
  };

  const unknownFields = (): string[] => {
    const out: string[] = [];
    const walk = (value: unknown, path: string): void => {
      if (value === null || typeof value !== 'object') return;
      if (Array.isArray(value)) {
        for (const [i, item] of value.entries()) walk(item, `${path}[${i}]`);
        return;
      }
      const s = seen.get(value);
      // Never reached: its parent's schema did not descend here (free-form, or already unknown).
      if (!s) return;
      const obj = value as Record<string, unknown>;
      // A map (additionalProperties) or a free-form object (no property read at all).
      const free = s.enumerated || s.read.size === 0;
      for (const key of Object.keys(obj)) {
        const child = path === '' ? key : `${path}.${key}`;
        if (!free && !s.read.has(key)) out.push(child);
        else walk(obj[key], child);
      }
    };
    walk(root, '');
    return out;
  };

  return { proxy: wrap(root), unknownFields };
}
