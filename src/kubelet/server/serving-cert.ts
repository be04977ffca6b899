import '@abraham/reflection';
// The kubelet API's TLS identity: a self-signed ECDSA P-256 certificate, as a kubelet makes one
// when it is given none. The API server pins it by its SHA-256 fingerprint, which the agent
// publishes on its Node (KUBELET_CERT_ANNOTATION), instead of trusting any certificate: the
// bearer token it sends must not reach an impostor. Kept in the agent's data dir when it has one.

import { randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** Node annotation carrying the kubelet serving certificate's SHA-256 fingerprint (AA:BB:...). */
export const KUBELET_CERT_ANNOTATION = 'k8ts.dev/kubelet-serving-cert-sha256';

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface ServingCert {
  key: string;
  cert: string;
  /** Upper-case hex pairs joined by ':' (Node's X509Certificate.fingerprint256 format). */
  fingerprint256: string;
}

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

export function fingerprintOf(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256;
}

/** Loads `dir/kubelet.{crt,key}` or makes (and, with a dir, saves) a new pair for `nodeName`. */
export async function servingCert(nodeName: string, dir?: string): Promise<ServingCert> {
  const crtPath = dir && join(dir, 'kubelet.crt');
  const keyPath = dir && join(dir, 'kubelet.key');
  if (crtPath && keyPath && existsSync(crtPath) && existsSync(keyPath)) {
    const cert = readFileSync(crtPath, 'utf8');
    if (Date.parse(new X509Certificate(cert).validTo) > Date.now() + 24 * 3600_000) {
      return { cert, key: readFileSync(keyPath, 'utf8'), fingerprint256: fingerprintOf(cert) };
    }
  }
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  const now = Date.now();
  const subject = `CN=${nodeName}@${Math.floor(now / 1000)}`;
  const c = await x509.X509CertificateGenerator.create({
    serialNumber: serial.toString('hex'),
    subject,
    issuer: subject,
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + 365 * 24 * 3600_000),
    signingKey: keys.privateKey,
    publicKey: keys.publicKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: nodeName }]),
    ],
  });
  const cert = c.toString('pem');
  const key = pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as never));
  if (dir && crtPath && keyPath) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(keyPath, key, { mode: 0o600 });
    writeFileSync(crtPath, cert);
  }
  return { cert, key, fingerprint256: fingerprintOf(cert) };
}
