import '@abraham/reflection';
// The cluster's CA, serving certificate and admin token, generated on first start and kept in
// the data dir. ECDSA P-256 keys: instant to generate, and accepted by Go's TLS (kubectl).

import { randomBytes, webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface Pki {
  caCert: string;
  serverCert: string;
  serverKey: string;
}

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

async function exportKey(k: CryptoKey): Promise<string> {
  return pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', k as never));
}

async function importKey(pemText: string): Promise<CryptoKey> {
  const der = Buffer.from(pemText.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return (await webcrypto.subtle.importKey('pkcs8', der, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign'])) as unknown as CryptoKey;
}

function serial(): string {
  const b = randomBytes(16);
  b[0] &= 0x7f; // positive
  return b.toString('hex');
}

async function newServerCert(caCert: x509.X509Certificate, caKey: CryptoKey, extraSans: string[]): Promise<{ cert: string; key: string }> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
  const now = Date.now();
  const names: x509.JsonGeneralName[] = [
    { type: 'dns', value: 'localhost' },
    { type: 'dns', value: hostname() },
    { type: 'dns', value: 'kubernetes' },
    { type: 'dns', value: 'kubernetes.default' },
    { type: 'dns', value: 'kubernetes.default.svc' },
    { type: 'ip', value: '127.0.0.1' },
    { type: 'ip', value: '::1' },
  ];
  for (const s of extraSans) {
    if (names.some((n) => n.value === s)) continue;
    names.push({ type: /^[0-9.]+$|:/.test(s) ? 'ip' : 'dns', value: s });
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: 'CN=kube-apiserver',
    issuer: caCert.subject,
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + 365 * 24 * 3600_000),
    signingKey: caKey,
    publicKey: keys.publicKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return { cert: cert.toString('pem'), key: await exportKey(keys.privateKey) };
}

/** Loads the PKI from `dir/pki`, creating what is missing. `sans` adds names/IPs for --host. */
export async function ensurePki(dir: string, sans: string[] = []): Promise<Pki> {
  const pkiDir = join(dir, 'pki');
  mkdirSync(pkiDir, { recursive: true, mode: 0o700 });
  const f = (n: string) => join(pkiDir, n);
  let caCertPem: string;
  let caKey: CryptoKey;
  if (existsSync(f('ca.crt')) && existsSync(f('ca.key'))) {
    caCertPem = readFileSync(f('ca.crt'), 'utf8');
    caKey = await importKey(readFileSync(f('ca.key'), 'utf8'));
  } else {
    const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
    const now = Date.now();
    const ca = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serial(),
      name: 'CN=k8ts-ca',
      notBefore: new Date(now - 3600_000),
      notAfter: new Date(now + 10 * 365 * 24 * 3600_000),
      keys,
      signingAlgorithm: ALG,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    caCertPem = ca.toString('pem');
    caKey = keys.privateKey;
    writeFileSync(f('ca.key'), await exportKey(caKey), { mode: 0o600 });
    writeFileSync(f('ca.crt'), caCertPem, { mode: 0o644 });
  }
  const ca = new x509.X509Certificate(caCertPem);
  // The serving certificate is re-issued when the names it must cover change (e.g. a new --host).
  const sansFile = f('apiserver.sans');
  const wantSans = JSON.stringify([...new Set(sans)].sort());
  if (!existsSync(f('apiserver.crt')) || !existsSync(f('apiserver.key')) || !existsSync(sansFile) || readFileSync(sansFile, 'utf8') !== wantSans) {
    const s = await newServerCert(ca, caKey, sans);
    writeFileSync(f('apiserver.key'), s.key, { mode: 0o600 });
    writeFileSync(f('apiserver.crt'), s.cert, { mode: 0o644 });
    writeFileSync(sansFile, wantSans, { mode: 0o600 });
  }
  return { caCert: caCertPem, serverCert: readFileSync(f('apiserver.crt'), 'utf8'), serverKey: readFileSync(f('apiserver.key'), 'utf8') };
}

/** The admin bearer token, generated once. */
export function ensureToken(dir: string): string {
  const file = join(dir, 'pki', 'admin.token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const t = randomBytes(24).toString('base64url');
  writeFileSync(file, t + '\n', { mode: 0o600 });
  return t;
}
