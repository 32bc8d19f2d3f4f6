/** `GET /api/health`: public, no token. 200 when the store answers, 503 when it does not (agents check it at start-up). */
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';

export default async function healthPlugin(app: FastifyInstance): Promise<void> {
  app.get('/api/health', async () => {
    await sql`select 1`.execute(app.store.db);
    return { status: 'ok' };
  });
}
