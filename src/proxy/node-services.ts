// What `k8ts up` and `k8ts agent` run beside the kubelets of a runc node so its pods reach
// Services: the service proxy and, where asked, the cluster DNS server.
//
// The DNS server listens on the node bridge's gateway address (the first address of the pod
// CIDR, e.g. 10.244.1.1:53), which every pod reaches through its default route and which does not
// clash with a resolver on the node's loopback or external addresses. The `kube-dns` Service
// (10.96.0.10) gets that address as its endpoint, so pods' DNS traffic to 10.96.0.10 is DNATed
// by the proxy to the node itself. The bridge is created here if the runtime has not made it yet.
//
// One proxy per host network namespace: `k8ts up` runs one for all its nodes (they share the
// host), with the table `k8ts`.

import { R } from '../client/resources.js';
import type { RestClient } from '../client/rest-client.js';
import { SharedInformers } from '../client/shared-informers.js';
import { gatewayOf, PodNetwork } from '../kubelet/runtime/runc/pod-network.js';
import { KUBE_DNS_IP } from './kube-dns-service.js';
import { publishDnsEndpoints } from './dns-endpoints.js';
import { DnsServer } from './dns/dns-server.js';
import { ServiceProxy } from './service-proxy.js';

export interface NodeServicesOptions {
  client: RestClient;
  /** Serve cluster DNS on this pod CIDR's gateway and publish it as kube-dns. */
  dnsPodCIDR?: string;
  table?: string;
  log?: (m: string) => void;
}

export interface NodeServices {
  /** kubelet's cluster DNS servers (empty when DNS is not served). */
  clusterDNS: string[];
  stop(): Promise<void>;
}

export async function startNodeServices(o: NodeServicesOptions): Promise<NodeServices> {
  const log = o.log ?? ((m: string) => console.error(`proxy: ${m}`));
  const informers = new SharedInformers(o.client);
  informers.for(R.services);
  informers.for(R.endpointslices);
  const proxy = new ServiceProxy({ client: o.client, informers, table: o.table, log });
  await informers.start();
  await proxy.start();
  let dns: DnsServer | undefined;
  if (proxy.active && o.dnsPodCIDR) {
    try {
      await new PodNetwork().ensureBridge(o.dnsPodCIDR);
      const host = gatewayOf(o.dnsPodCIDR);
      dns = new DnsServer({ informers, host, log: (m) => log(`dns: ${m}`) });
      await dns.start();
      await publishDnsEndpoints(o.client, host);
    } catch (err) {
      log(`cluster DNS not served: ${(err as Error).message}`);
      await dns?.stop();
      dns = undefined;
    }
  }
  return {
    clusterDNS: dns ? [KUBE_DNS_IP] : [],
    async stop() {
      await dns?.stop();
      await proxy.stop();
      informers.stop();
    },
  };
}
