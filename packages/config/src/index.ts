export { commonFields, LOG_LEVELS, type LogLevel } from './common-fields.js';
export {
  type FileSettingsOptions,
  readJsonObjectFile,
  settingsAsEnv,
  underEnvironment,
} from './config-file.js';
export {
  type ConfigDefinition,
  type ConfigOf,
  type DeepReadonly,
  defineConfig,
  type FieldOptions,
  type FieldSpec,
  type FieldSpecs,
  field,
} from './define-config.js';
export { describeConfig } from './describe-config.js';
export {
  type EnvVarTypeMeta,
  envVar,
  envVarTypes,
  formatDuration,
  type IntBounds,
  MIN_EVERY_MS,
  parseDuration,
  parseEvery,
  type StringOptions,
  type UrlOptions,
} from './env-vars.js';
export {
  type ErrorCode,
  errorCode,
  isRetryable,
  LakestreamError,
  type LakestreamErrorOptions,
} from './errors.js';
export { DEFAULT_LAKESTREAM_HOME, resolveLakestreamHome } from './lakestream-home.js';
export { ConfigError, type ConfigProblem, loadConfig } from './load-config.js';
export { REDACTED, redactConfig, redactSecret } from './redact-config.js';
export { type RetryAttempt, type RetryOptions, withRetry } from './retry.js';
