// Invariants on pod templates: Pod Security `restricted`, probes, resources, images.
import type { IContainer, IPodSpec, ISecurityContext } from 'kubernetes-models/v1';
import { allContainers, declaresPort, id, type K8sObject, podTemplates } from '../../test/support/manifests.ts';

export type Check = (objs: K8sObject[]) => string[];

const UID = 10001;

function effective<K extends keyof ISecurityContext>(c: IContainer, pod: IPodSpec, key: K): unknown {
  const own = c.securityContext?.[key];
  if (own !== undefined) return own;
  return (pod.securityContext as Record<string, unknown> | undefined)?.[key];
}

/**
 * The one set of pod-hardening rules, for every workload we ship (apps and observability):
 * Pod Security Standard `restricted` (v1.32), a read-only root, no service account token unless
 * a volume mounts it explicitly, and a fixed non-root uid/gid: `uid` (the apps' image contract,
 * 10001) or, without it, whatever non-zero uid the image's own user has.
 */
export function restrictedPods(uid?: number): Check {
  return (objs) => {
    const out: string[] = [];
    for (const t of podTemplates(objs)) {
      const where = id(t.owner);
      const p = t.spec;
      if (p.hostNetwork || p.hostPID || p.hostIPC) out.push(`${where}: host namespaces must not be shared`);
      if (p.automountServiceAccountToken !== false)
        out.push(`${where}: automountServiceAccountToken must be false (mount the token explicitly where needed)`);
      for (const v of p.volumes ?? []) if (v.hostPath) out.push(`${where}: volume ${v.name} is a hostPath`);
      for (const c of allContainers(p)) {
        const at = `${where} container ${c.name}`;
        if (effective(c, p, 'runAsNonRoot') !== true) out.push(`${at}: securityContext.runAsNonRoot must be true`);
        for (const key of ['runAsUser', 'runAsGroup'] as const) {
          const v = effective(c, p, key);
          if (uid !== undefined ? v !== uid : !(typeof v === 'number' && v > 0))
            out.push(`${at}: securityContext.${key} must be ${uid ?? 'a non-zero id'}, got ${String(v)}`);
        }
        const sc = c.securityContext ?? {};
        if (sc.privileged) out.push(`${at}: securityContext.privileged must not be true`);
        if (sc.allowPrivilegeEscalation !== false) out.push(`${at}: securityContext.allowPrivilegeEscalation must be false`);
        if (sc.readOnlyRootFilesystem !== true) out.push(`${at}: securityContext.readOnlyRootFilesystem must be true`);
        if (!(sc.capabilities?.drop ?? []).includes('ALL')) out.push(`${at}: securityContext.capabilities.drop must contain ALL`);
        const added = (sc.capabilities?.add ?? []).filter((cap) => cap !== 'NET_BIND_SERVICE');
        if (added.length > 0) out.push(`${at}: securityContext.capabilities.add may only hold NET_BIND_SERVICE, got ${added.join(', ')}`);
        const seccomp = (effective(c, p, 'seccompProfile') as { type?: string } | undefined)?.type;
        if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost')
          out.push(`${at}: seccompProfile.type must be RuntimeDefault or Localhost, got ${String(seccomp)}`);
      }
    }
    return out;
  };
}

/** The apps' pods: the hardening rules with the image contract's uid/gid 10001 (docs/interfaces.md). */
export const restrictedSecurityContext: Check = restrictedPods(UID);

/** Liveness and readiness on every app container, every probe aimed at a port the container declares. */
export const probesOnDeclaredPorts: Check = (objs) => {
  const out: string[] = [];
  for (const t of podTemplates(objs)) {
    for (const c of t.spec.containers) {
      const at = `${id(t.owner)} container ${c.name}`;
      if (!c.livenessProbe) out.push(`${at}: no livenessProbe`);
      if (!c.readinessProbe) out.push(`${at}: no readinessProbe`);
      for (const [kind, probe] of Object.entries({
        livenessProbe: c.livenessProbe,
        readinessProbe: c.readinessProbe,
        startupProbe: c.startupProbe,
      })) {
        if (!probe) continue;
        const port = probe.httpGet?.port ?? probe.tcpSocket?.port ?? probe.grpc?.port;
        if (port === undefined) out.push(`${at}: ${kind} has no port (exec probes are not used here)`);
        else if (!declaresPort(c, port)) out.push(`${at}: ${kind} port ${String(port)} is not a declared container port`);
      }
    }
  }
  return out;
};

/** Requests and limits for cpu and memory on every container. */
export const resourcesEverywhere: Check = (objs) => {
  const out: string[] = [];
  for (const t of podTemplates(objs)) {
    for (const c of allContainers(t.spec)) {
      for (const kind of ['requests', 'limits'] as const) {
        for (const res of ['cpu', 'memory']) {
          if (c.resources?.[kind]?.[res] === undefined) out.push(`${id(t.owner)} container ${c.name}: resources.${kind}.${res} missing`);
        }
      }
    }
  }
  return out;
};

/** Images: tagged, never latest, exactly the names/tags the base kustomization maps to; IfNotPresent. */
export function imagesPinned(allowed: readonly string[]): Check {
  return (objs) => {
    const out: string[] = [];
    for (const t of podTemplates(objs)) {
      for (const c of allContainers(t.spec)) {
        const at = `${id(t.owner)} container ${c.name}`;
        const image = c.image ?? '';
        const lastColon = image.lastIndexOf(':');
        const tag = lastColon > image.lastIndexOf('/') ? image.slice(lastColon + 1) : '';
        if (tag === '' && !image.includes('@sha256:')) out.push(`${at}: image ${image} has no tag`);
        if (tag === 'latest') out.push(`${at}: image ${image} uses :latest`);
        if (!allowed.includes(image)) out.push(`${at}: image ${image} is not one of the base images: ${allowed.join(', ')}`);
        if (c.imagePullPolicy !== 'IfNotPresent') out.push(`${at}: imagePullPolicy must be IfNotPresent, got ${String(c.imagePullPolicy)}`);
      }
    }
    return out;
  };
}
