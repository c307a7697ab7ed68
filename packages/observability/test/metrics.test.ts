import { describe, expect, it } from 'vitest';
import { createMetrics, METRIC_NAMES } from '../src/metrics.js';

describe('createMetrics', () => {
  it('registers every shared metric with the service label, plus process metrics', async () => {
    const metrics = createMetrics({ service: 'producer' });
    metrics.sentEvents.inc({ component: 'kafka_sink' }, 3);
    metrics.errors.inc({ component: 'kafka_sink', code: 'LS_KAFKA_TIMEOUT' });
    metrics.consumerLag.set({ topic: 'orders', partition: '0' }, 12);
    metrics.batchDuration.observe({ component: 'kafka_sink' }, 0.2);

    const text = await metrics.registry.metrics();
    for (const name of Object.values(METRIC_NAMES)) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    expect(text).toContain(
      'lakestream_component_sent_events_total{component="kafka_sink",service="producer"} 3',
    );
    expect(text).toContain(
      'lakestream_component_errors_total{component="kafka_sink",code="LS_KAFKA_TIMEOUT",service="producer"} 1',
    );
    expect(text).toContain(
      'lakestream_consumer_lag_messages{topic="orders",partition="0",service="producer"} 12',
    );
    expect(text).toMatch(/process_cpu_user_seconds_total\{service="producer"\}/);
  });

  it('gives each call its own registry, so two instances do not collide', async () => {
    const a = createMetrics({ service: 'a', defaultMetrics: false });
    const b = createMetrics({ service: 'b', defaultMetrics: false });
    a.receivedEvents.inc({ component: 'reader' });
    expect(await b.registry.getSingleMetricAsString(METRIC_NAMES.receivedEvents)).not.toContain(
      'reader',
    );
    expect(await a.registry.metrics()).not.toContain('process_cpu');
  });

  it('names follow the lakestream_ prefix and Prometheus unit suffixes', () => {
    for (const name of Object.values(METRIC_NAMES)) {
      expect(name).toMatch(/^lakestream_[a-z_]+_(total|events|seconds|messages)$/);
    }
  });
});
