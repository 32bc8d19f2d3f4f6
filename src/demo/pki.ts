/**
 * A throwaway certificate authority and a server certificate for provider host names, made with
 * the openssl CLI, so real clients verify a real chain against the local provider-like server
 * that the demo workload and the end-to-end tests talk to.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Pki {
  dir: string;
  caCertPath: string;
  cert: Buffer;
  key: Buffer;
}

export function makePki(hostNames: readonly string[]): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'osprey-pki-'));
  const p = (f: string): string => join(dir, f);
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  };
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('ca.key'), '-out', p('ca.crt'), '-days', '2', '-subj', '/CN=Osprey Test CA');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', `/CN=${hostNames[0]}`);
  writeFileSync(p('ext.cnf'), `subjectAltName=${hostNames.map((h) => `DNS:${h}`).join(',')},IP:127.0.0.1\n`);
  openssl('x509', '-req', '-in', p('server.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p('server.crt'), '-days', '2', '-extfile', p('ext.cnf'));
  return { dir, caCertPath: p('ca.crt'), cert: readFileSync(p('server.crt')), key: readFileSync(p('server.key')) };
}
