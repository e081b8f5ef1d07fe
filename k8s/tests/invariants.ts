// The invariants every render of the showcase holds (invariants.test.ts shows each one catching a
// broken manifest); the zero-trust rollout stages hold the same ones (zero-trust-rollout.test.ts).
import { pdbHpaCompatible } from './invariants-cluster.ts';
import {
  appFlowAllowed,
  appProtocolsKnownToLinkerd,
  dnsBothProtocols,
  networkPolicyPlacement,
  pingerTargetResolves,
  servicesSelectPods,
} from './invariants-network.ts';
import { type Check, imagesPinned, probesOnDeclaredPorts, resourcesEverywhere, restrictedSecurityContext } from './invariants-pods.ts';
import { allowedImages } from './project.ts';

export const SHOWCASE_INVARIANTS = {
  restrictedSecurityContext,
  probesOnDeclaredPorts,
  resourcesEverywhere,
  imagesPinned: imagesPinned(allowedImages()),
  servicesSelectPods,
  appProtocolsKnownToLinkerd,
  pingerTargetResolves,
  dnsBothProtocols,
  networkPolicyPlacement,
  appFlowAllowed,
  pdbHpaCompatible,
} as const satisfies Record<string, Check>;
