export { DEVSTACK_ERROR_CODES, DevstackError, type DevstackErrorCode } from './errors.js';
export { type InstallOptions, installTools } from './install.js';
export { lakestreamHome, REPO_ROOT, toolCache } from './paths.js';
export { freePort } from './ports.js';
export {
  type PrivateBigQueryEmulator,
  type PrivateBigQueryOptions,
  startPrivateBigQueryEmulator,
} from './private-bigquery.js';
export { BIGQUERY_EMULATOR_PROJECT } from './services/bigquery.js';
export {
  FIRESTORE_JAR_ENV,
  type FirestoreJarLookup,
  findFirestoreEmulatorJar,
  resetFirestoreEmulator,
} from './services/firestore.js';
export { removeClusterKeptApart } from './services/postgres-cluster-folder.js';
export { SERVICE_NAMES, type ServiceInstance, type ServiceName } from './services/service.js';
export {
  DEFAULT_SERVICES,
  ensureStack,
  type Origin,
  type StackHandle,
  type StackOptions,
  stackStatus,
  stopStack,
} from './stack.js';
export {
  ensureGoTool,
  ensureKafkaJars,
  ensureMariadbBinaries,
  ensurePostgresBinaries,
  ensurePythonTool,
  PYTHON_TOOLS,
  type PythonTool,
  publishInstalled,
  VERSIONS,
} from './tools.js';
export { devstackGlobalSetup } from './vitest-global-setup.js';
