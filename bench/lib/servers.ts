/**
 * The benchmark's world on loopback: tools from Debian (wrk, caddy), a throwaway ECDSA
 * certificate for api.openai.com, Caddy as the HTTPS server, the provider-like origin behind it,
 * and an /etc/hosts replacement for clients run through scripts/clients/with-hosts.sh.
 *
 * Why Caddy: it is Go (crypto/tls), which Osprey's uprobes do not see, so the only TLS the agent
 * captures is the client's — as on a real host, where the LLM provider is remote. The load
 * generator (wrk, OpenSSL) is captured like any other program on the host.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { log, run, runOk, sleep } from './util.js';

/** Where this code runs from: the repository, or the benchmark's private copy of the build (see bench/run.ts). */
export const APP_ROOT = new URL('../../../', import.meta.url).pathname.replace(/\/$/, '');
/** The source tree: results, wrk scripts, clients. */
export const REPO_ROOT = process.env.BENCH_REPO ?? APP_ROOT;
export const WITH_HOSTS = join(REPO_ROOT, 'scripts', 'clients', 'with-hosts.sh');

function installed(pkg: string): boolean {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' }).includes('install ok installed');
  } catch {
    return false;
  }
}

/** Installs the Debian packages the benchmark needs when they are missing (needs root, as the agent does). */
export async function ensurePackages(pkgs: readonly string[]): Promise<void> {
  const missing = pkgs.filter((p) => !installed(p));
  if (missing.length === 0) return;
  log(`installing ${missing.join(' ')} from Debian`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await runOk('apt-get', ['update', '-qq'], { env });
  await runOk('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface Pki {
  certPath: string;
  keyPath: string;
}

/** A self-signed ECDSA P-256 certificate for the provider names (fast handshakes for 10K connections). */
export async function makeEcPki(dir: string): Promise<Pki> {
  const keyPath = join(dir, 'server.key');
  const certPath = join(dir, 'server.crt');
  await runOk('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', keyPath]);
  await runOk('openssl', ['req', '-x509', '-new', '-key', keyPath, '-out', certPath, '-days', '2', '-subj', '/CN=api.openai.com',
    '-addext', 'subjectAltName=DNS:api.openai.com,DNS:bench.local,IP:127.0.0.1', '-addext', 'basicConstraints=critical,CA:TRUE']);
  return { certPath, keyPath };
}

export function writeHostsFile(dir: string): string {
  const path = join(dir, 'hosts');
  writeFileSync(path, '127.0.0.1 localhost\n127.0.0.1 api.openai.com bench.local\n');
  return path;
}

export interface Service {
  pid: number;
  port: number;
  stop(): Promise<void>;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(t);
}

/** The provider-like origin (bench/lib/backend.ts), plaintext on loopback. */
export async function startBackend(events: number): Promise<Service> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(APP_ROOT, 'dist', 'bench', 'lib', 'backend.js'), String(port), String(events)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`backend exited (${code})`)));
    child.stdout?.setEncoding('utf8').on('data', (t: string) => {
      if (t.includes('ready')) resolve();
    });
  });
  return { pid: child.pid as number, port, stop: () => stopChild(child) };
}

/** Caddy terminating TLS on `port`: /v1/* goes to the origin (streamed, flushed per write), anything else gets a 2-byte 200. */
export async function startCaddy(dir: string, pki: Pki, backendPort: number): Promise<Service> {
  const port = await freePort();
  const caddyfile = join(dir, 'Caddyfile');
  writeFileSync(
    caddyfile,
    `{
	admin off
	auto_https off
	servers {
		timeouts {
			idle 30m
		}
	}
}
https://:${port} {
	tls ${pki.certPath} ${pki.keyPath}
	handle /v1/* {
		reverse_proxy 127.0.0.1:${backendPort} {
			flush_interval -1
			transport http {
				keepalive 10m
				keepalive_idle_conns 512
			}
		}
	}
	handle {
		respond "ok" 200
	}
}
`,
  );
  const env = { ...process.env, XDG_CONFIG_HOME: join(dir, 'caddy-config'), XDG_DATA_HOME: join(dir, 'caddy-data') };
  const child = spawn('caddy', ['run', '--config', caddyfile, '--adapter', 'caddyfile'], { stdio: ['ignore', 'ignore', 'pipe'], env });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (t: string) => (stderr += t.slice(-4000)));
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`caddy exited: ${stderr}`);
    const r = await run('curl', ['-sk', '-o', '/dev/null', '-w', '%{http_code}', `https://127.0.0.1:${port}/`]);
    if (r.stdout === '200') return { pid: child.pid as number, port, stop: () => stopChild(child) };
    await sleep(100);
  }
  throw new Error(`caddy did not answer on ${port}: ${stderr}`);
}
