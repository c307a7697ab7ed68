// Container health check of every Lakestream Node image: GET /healthz on the service's own
// health server, exit 0 when it answers 200 within 3 s. The port is the one the service's config
// uses: DASHBOARD_PORT for the dashboard, PRODUCER_METRICS_PORT for the producer, else
// METRICS_PORT (each with the service's default). No curl or wget needed in the image.
import { readFileSync } from 'node:fs';

const { name } = JSON.parse(readFileSync('/app/package.json', 'utf8'));
const port =
  name === '@lakestream/dashboard'
    ? (process.env.DASHBOARD_PORT ?? '8080')
    : name === '@lakestream/producer'
      ? process.env.PRODUCER_METRICS_PORT
      : (process.env.METRICS_PORT ?? '9464');

if (port === undefined || port === '') {
  // The producer serves no health endpoint unless asked to: a running process is all there is.
  process.exit(0);
}

try {
  const response = await fetch(`http://127.0.0.1:${port}/healthz`, {
    signal: AbortSignal.timeout(3_000),
  });
  process.exit(response.ok ? 0 : 1);
} catch {
  process.exit(1);
}
