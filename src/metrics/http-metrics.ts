import type { FastifyInstance } from 'fastify';
import type { MetricsService } from './metrics.service.js';

/** Observes every request's duration under its route pattern (`/units/:id`), not its raw path. */
export function observeRequests(fastify: FastifyInstance, metrics: MetricsService): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.httpDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });
}
