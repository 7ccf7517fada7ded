import client from 'prom-client';
import { DURATION_BOUNDS_MS } from '../domain/duration-histogram.js';
import type { Figures } from '../storage/repositories/analytics.js';
import type { Repositories } from '../storage/repositories/index.js';
import type { RollupDim } from '../storage/rollups.js';

/**
 * Task and webhook metrics read from the database at scrape time, so they are the same whichever process serves
 * /metrics (workers may run elsewhere) and survive restarts. Task figures come from the rollups' all-time rows: a
 * scrape reads a handful of rows per metric however many tasks there are. Deliveries are counted on the
 * (provider, outcome) index of webhook_events.
 */
export function registerTaskMetrics(registry: client.Registry, repos: Repositories): void {
  const label = (key: string) => key || 'none';
  const totals = (dim: RollupDim) => repos.analytics.byKey({ granularity: 'total', dim });

  new client.Counter({
    name: 'cca_tasks_finished_total',
    help: 'Finished tasks by outcome (success, error, empty, cancelled, timeout, budget, interrupted)',
    labelNames: ['outcome'],
    registers: [registry],
    async collect() {
      const rows = await totals('outcome');
      this.reset();
      for (const r of rows) this.inc({ outcome: label(r.key) }, r.figures.tasks);
    },
  });

  for (const [dim, labelName] of [
    ['agent', 'agent'],
    ['model', 'model'],
    ['source', 'source'],
  ] as const) {
    new client.Counter({
      name: `cca_task_cost_usd_by_${dim}_total`,
      help: `Cost in USD of finished tasks by ${dim}`,
      labelNames: [labelName],
      registers: [registry],
      async collect() {
        const rows = await totals(dim);
        this.reset();
        for (const r of rows) this.inc({ [labelName]: label(r.key) }, r.figures.cost_usd);
      },
    });
  }

  registry.registerMetric(
    new RollupHistogram('cca_task_duration_seconds', 'Duration of finished tasks (bins of the analytics rollups)', () =>
      repos.analytics.sum({ granularity: 'total', dim: 'all' }),
    ) as unknown as client.Metric,
  );

  new client.Counter({
    name: 'cca_webhook_deliveries_total',
    help: 'Webhook deliveries by provider and outcome',
    labelNames: ['provider', 'outcome'],
    registers: [registry],
    async collect() {
      const rows = await repos.analytics.webhookDeliveries();
      this.reset();
      for (const r of rows) this.inc({ provider: r.provider, outcome: r.outcome }, r.n);
    },
  });
}

/**
 * A Prometheus histogram whose buckets are already counted elsewhere (the rollups' duration bins). prom-client's
 * Histogram only counts what it observes itself; its registry formats any object whose get() returns metric values,
 * which is all this provides.
 */
class RollupHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => Promise<Figures>,
  ) {}

  collect(): void {}
  reset(): void {}

  async get() {
    const f = await this.read();
    let cumulative = 0;
    const values: Array<{ metricName: string; labels: Record<string, string | number>; value: number }> = DURATION_BOUNDS_MS.map((bound, i) => {
      cumulative += f.bins[i] ?? 0;
      return { metricName: `${this.name}_bucket`, labels: { le: bound / 1000 }, value: cumulative };
    });
    values.push(
      { metricName: `${this.name}_bucket`, labels: { le: '+Inf' }, value: f.duration_count },
      { metricName: `${this.name}_sum`, labels: {}, value: f.duration_sum_ms / 1000 },
      { metricName: `${this.name}_count`, labels: {}, value: f.duration_count },
    );
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
