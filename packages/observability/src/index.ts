export { faultPoint, parseFaultPoints } from './fault-point.js';
export {
  type CheckResult,
  type HealthServer,
  type HealthServerOptions,
  type ReadinessCheck,
  type ReadinessChecks,
  startHealthServer,
} from './health-server.js';
export { logFileOrStderr } from './log-file.js';
export { createLogger, type Logger, type LoggerOptions, REDACTED_LOG_PATHS } from './logger.js';
export {
  createMetrics,
  errorMetricCode,
  type LakestreamMetrics,
  METRIC_NAMES,
  type MetricName,
  type MetricsOptions,
} from './metrics.js';
export {
  type ProgressLine,
  progressLine,
  type RepeatOptions,
  repeatRun,
} from './repeated-run.js';
export {
  createServiceRuntime,
  loadServiceConfig,
  type ServiceBaseConfig,
  type ServiceRuntime,
  type ServiceRuntimeOptions,
} from './service-runtime.js';
export {
  createShutdown,
  type Shutdown,
  type ShutdownHook,
  type ShutdownOptions,
  type ShutdownResult,
  type SignalTarget,
} from './shutdown.js';
