// The files a pod's containers see at /etc/hosts, /etc/hostname and /etc/resolv.conf, written
// once per sandbox (the kubelet's formats): the hosts file maps the pod's hostname to its IP;
// resolv.conf is the node's, without loopback name servers, which are not reachable from the
// pod's network namespace (a systemd-resolved stub listens on 127.0.0.53 on the node only), or
// the kubelet's DNS configuration for the pod when it gives one (dnsPolicy, see kubelet/pod-dns.ts).

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname as nodeHostname } from 'node:os';
import { join } from 'node:path';
import { renderResolvConf } from '../../pod-dns.js';
import type { DnsConfig } from '../runtime.js';

export interface PodFiles {
  hosts: string;
  hostname: string;
  resolvConf: string;
}

export function hostsFile(ip: string | undefined, hostname: string, hostNetwork: boolean): string {
  if (hostNetwork) {
    let host = '';
    try {
      host = readFileSync('/etc/hosts', 'utf8');
    } catch {
      /* none */
    }
    return `# Kubernetes-managed hosts file (host network).\n${host}`;
  }
  const lines = [
    '# Kubernetes-managed hosts file.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
  ];
  if (ip) lines.push(`${ip}\t${hostname}`);
  return `${lines.join('\n')}\n`;
}

const LOOPBACK_NS = /^\s*nameserver\s+(127\.|::1\b)/;

export function resolvConf(): string {
  const read = (p: string) => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return '';
    }
  };
  let text = read('/etc/resolv.conf');
  const servers = (t: string) => t.split('\n').filter((l) => /^\s*nameserver\s/.test(l) && !LOOPBACK_NS.test(l));
  if (!servers(text).length && existsSync('/run/systemd/resolve/resolv.conf')) text = read('/run/systemd/resolve/resolv.conf');
  return `${text
    .split('\n')
    .filter((l) => !LOOPBACK_NS.test(l))
    .join('\n')
    .trim()}\n`;
}

/** The pod's files and what goes in them (k8ts-shim's pod mode writes them, see pod-network.ts). */
export function podFileContents(dir: string, o: { ip?: string; hostname: string; hostNetwork: boolean; dns?: DnsConfig }): { files: PodFiles; contents: [string, string][] } {
  const files: PodFiles = { hosts: join(dir, 'hosts'), hostname: join(dir, 'hostname'), resolvConf: join(dir, 'resolv.conf') };
  const name = o.hostNetwork ? nodeHostname() : o.hostname;
  return {
    files,
    contents: [
      [files.hosts, hostsFile(o.ip, name, o.hostNetwork)],
      [files.hostname, `${name}\n`],
      [files.resolvConf, o.dns ? renderResolvConf(o.dns) : resolvConf()],
    ],
  };
}

export async function writePodFiles(dir: string, o: { ip?: string; hostname: string; hostNetwork: boolean }): Promise<PodFiles> {
  const { files, contents } = podFileContents(dir, o);
  for (const [path, text] of contents) writeFileSync(path, text);
  return files;
}
