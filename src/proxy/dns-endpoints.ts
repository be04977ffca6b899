// The `kube-dns` Service's backends. The control plane creates the Service (kube-system,
// ClusterIP 10.96.0.10, port 53 UDP `dns` and TCP `dns-tcp`, no selector); whoever runs the DNS
// server publishes where it listens here, as an Endpoints (skip-mirror, like `kubernetes`) and an
// EndpointSlice `kube-dns` (managed-by k8ts, so the EndpointSlice controller leaves it alone).
// Rewritten at every start, so a moved address follows.

import { ApiError } from '../api/errors.js';
import type { KObject } from '../api/types.js';
import { ResourceClient, R } from '../client/resources.js';
import type { RestClient } from '../client/rest-client.js';
import { SERVICE_NAME_LABEL } from './service-model.js';
import { KUBE_DNS_IP, KUBE_DNS_NAMESPACE, KUBE_DNS_SERVICE, kubeDnsService, KUBE_DNS_PORTS as PORTS } from './kube-dns-service.js';

export { KUBE_DNS_IP, KUBE_DNS_NAMESPACE, KUBE_DNS_SERVICE, kubeDnsService };

async function put(rc: ResourceClient, obj: KObject): Promise<void> {
  try {
    const cur = await rc.get(KUBE_DNS_NAMESPACE, KUBE_DNS_SERVICE);
    await rc.update({ ...cur, ...obj, metadata: { ...cur.metadata, labels: { ...cur.metadata.labels, ...obj.metadata.labels } } });
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 404)) throw err;
    await rc.create(KUBE_DNS_NAMESPACE, obj);
  }
}

/** Points kube-dns at `ip`:53. */
export async function publishDnsEndpoints(client: RestClient, ip: string): Promise<void> {
  const meta = { name: KUBE_DNS_SERVICE, namespace: KUBE_DNS_NAMESPACE };
  await put(new ResourceClient(client, R.endpoints), {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { ...meta, labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip }], ports: PORTS }],
  });
  await put(new ResourceClient(client, R.endpointslices), {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { ...meta, labels: { [SERVICE_NAME_LABEL]: KUBE_DNS_SERVICE, 'endpointslice.kubernetes.io/managed-by': 'k8ts' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [ip], conditions: { ready: true, serving: true, terminating: false } }],
    ports: PORTS,
  });
}
