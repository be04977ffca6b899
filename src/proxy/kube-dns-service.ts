// The cluster DNS Service the control plane creates (no imports: the API server uses it).

import type { KObject } from '../api/types.js';

export const KUBE_DNS_SERVICE = 'kube-dns';
export const KUBE_DNS_NAMESPACE = 'kube-system';
export const KUBE_DNS_IP = '10.96.0.10';

export const KUBE_DNS_PORTS = [
  { name: 'dns', port: 53, protocol: 'UDP' },
  { name: 'dns-tcp', port: 53, protocol: 'TCP' },
];

/** The Service the control plane creates. */
export function kubeDnsService(): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: KUBE_DNS_SERVICE, namespace: KUBE_DNS_NAMESPACE, labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/name': 'CoreDNS' } },
    spec: { type: 'ClusterIP', clusterIP: KUBE_DNS_IP, ports: KUBE_DNS_PORTS.map((p) => ({ ...p, targetPort: 53 })), sessionAffinity: 'None' },
  };
}

