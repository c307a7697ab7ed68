import type { Progress } from '../tools.js';

/** What a running local service is: how to reach it and, when we started it, its process. */
export interface ServiceInstance {
  /** Process group id when the devstack started it; absent when it is the user's own. */
  pid?: number;
  ports: Record<string, number>;
  /** The variables clients use to reach it (KAFKA_BROKERS, DATABASE_URL, MYSQL_URL, FIRESTORE_EMULATOR_HOST, …). */
  env: Record<string, string>;
  startedAt: string;
  version: string;
}

/** Everything a service needs to start under a given home. */
export interface StartContext {
  /** `<LAKESTREAM_HOME>/devstack` – data, logs and configs of the stack. */
  stackDir: string;
  /** Ports already handed out to other services of this start. */
  takenPorts: Set<number>;
  /** Preferred ports (the previous run's), so URLs stay stable. */
  previous?: ServiceInstance;
  /** Instances of services started before this one (fake-gcs-server before the BigQuery emulator). */
  running: Partial<Record<ServiceName, ServiceInstance>>;
  progress: Progress;
}

/** The services of the local stack, in start order. */
export const SERVICE_NAMES = [
  'kafka',
  'postgres',
  'mariadb',
  'gcs',
  'bigquery',
  'firestore',
] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** One kind of local service: install once, start as a process, check it answers, stop it. */
export interface ServiceDriver {
  name: ServiceName;
  /** The variable through which a user points at their own instance instead. */
  externalEnv: string;
  install(progress: Progress): Promise<void>;
  start(ctx: StartContext): Promise<ServiceInstance>;
  /** Resolves when the service answers real requests; rejects otherwise. */
  check(env: Record<string, string>): Promise<void>;
  /** The signal that stops it cleanly and quickly. */
  stopSignal: NodeJS.Signals;
}
