import { Elysia, t } from 'elysia';
import type { auth } from '../../plugins/auth.ts';

export interface Probe {
  readonly name: string;
  check(): Promise<void>;
}

const PROBE_TIMEOUT_MS = 2_000;

async function healthy(probe: Probe): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), PROBE_TIMEOUT_MS);
  });
  try {
    await Promise.race([probe.check(), timeout]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** Liveness says the process answers; readiness says its database and store answer too. */
export function healthController(deps: {
  readonly authPlugin: ReturnType<typeof auth>;
  readonly probes: readonly Probe[];
}) {
  return new Elysia({ name: 'health-controller', detail: { tags: ['health'] } })
    .use(deps.authPlugin)
    .get('/healthz', () => ({ status: 'ok' as const }), {
      public: true,
      response: { 200: t.Object({ status: t.Literal('ok') }) },
    })
    .get(
      '/readyz',
      async ({ set }) => {
        const results = await Promise.all(
          deps.probes.map(async (probe) => [probe.name, await healthy(probe)] as const),
        );
        const ready = results.every(([, ok]) => ok);
        set.status = ready ? 200 : 503;
        return {
          status: ready ? ('ready' as const) : ('unavailable' as const),
          checks: Object.fromEntries(results.map(([name, ok]) => [name, ok ? 'ok' : 'failing'])),
        };
      },
      {
        public: true,
        response: {
          200: t.Object({ status: t.String(), checks: t.Record(t.String(), t.String()) }),
          503: t.Object({ status: t.String(), checks: t.Record(t.String(), t.String()) }),
        },
      },
    );
}
