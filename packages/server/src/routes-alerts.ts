import { alertJson, transitionJson, type Alert, type Transition } from '@daybook/alert';
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from './context.js';

/** What /audit/alerts reads: @daybook/alert's Evaluator, run by `daybook serve --rules`. */
export interface AlertsView {
  alerts(): Alert[];
  recent(): Transition[];
  lastEvaluation(): string | null;
}

const RECENT = 50;

const ALERT = {
  type: 'object',
  properties: {
    name: { type: 'string' }, state: { enum: ['inactive', 'pending', 'firing'] }, value: { type: ['number', 'null'] }, threshold: { type: 'number' },
    labels: { type: 'object', additionalProperties: { type: 'string' } }, annotations: { type: 'object', additionalProperties: { type: 'string' } },
    since: { type: ['string', 'null'] }, active_at: { type: ['string', 'null'] }, resolved_at: { type: ['string', 'null'] }, fingerprint: { type: 'string' },
  },
} as const;

export const ALERTS_RESPONSE = {
  200: {
    type: 'object',
    properties: {
      enabled: { type: 'boolean', description: 'false when the server runs no rules (daybook serve without --rules)' },
      evaluated_at: { type: ['string', 'null'] },
      active: { type: 'array', items: ALERT, description: 'pending and firing alerts, firing first' },
      recent: {
        type: 'array', description: `the latest ${RECENT} state changes, newest first`,
        items: { type: 'object', properties: { at: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, alert: ALERT } },
      },
    },
  },
} as const;

/** GET /audit/alerts: active and recent alerts. */
export function alertRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/audit/alerts', { schema: { tags: ['operations'], summary: 'Alerts of the rules the server evaluates (daybook serve --rules): the pending and firing ones, and the latest state changes', response: ALERTS_RESPONSE } }, async () => {
    const view = ctx.alerts;
    if (view === undefined) return { enabled: false, evaluated_at: null, active: [], recent: [] };
    const rank = (a: Alert) => (a.state === 'firing' ? 0 : 1);
    const active = view.alerts().filter((a) => a.state !== 'inactive').sort((a, b) => rank(a) - rank(b));
    return { enabled: true, evaluated_at: view.lastEvaluation(), active: active.map(alertJson), recent: view.recent().slice(0, RECENT).map(transitionJson) };
  });
}
