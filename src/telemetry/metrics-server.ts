/** Serves the agent's Prometheus metrics (drops by stage and reason, calls, bytes) on /metrics. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UserFacingError } from '../util/errors.js';
import { registry } from './internal-events.js';

export function parseListen(value: string, flag: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new UserFacingError(`${flag} must be host:port (for example 127.0.0.1:9464), got '${value}'`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

export async function startMetricsServer(listen: { host: string; port: number }): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(new UserFacingError(`cannot serve metrics on ${listen.host}:${listen.port}: ${e.message}`)));
    server.listen(listen.port, listen.host, resolve);
  });
  server.unref();
  return { server, port: (server.address() as AddressInfo).port };
}
