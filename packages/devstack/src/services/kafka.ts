import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { pickPort } from '../ports.js';
import { isAlive, startDaemon, waitUntil } from '../process-control.js';
import { ensureKafkaJars, VERSIONS } from '../tools.js';
import type { ServiceDriver, ServiceInstance, StartContext } from './service.js';

const run = promisify(execFile);

/** JVM flags: a small heap is plenty for a single-node dev broker. */
const JVM_OPTS = [
  '-Xms256m',
  '-Xmx768m',
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-Djava.awt.headless=true',
];

function serverProperties(dataDir: string, port: number, controllerPort: number): string {
  return `# Written by @lakestream/devstack: a single-node KRaft broker (combined broker+controller).
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${controllerPort}
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=${dataDir}
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
group.initial.rebalance.delay.ms=0
# Services create their topics explicitly; a typo must not silently create a new one.
auto.create.topics.enable=false
log.segment.bytes=268435456
`;
}

const LOG4J = `log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.org.apache.kafka.controller=WARN
`;

/**
 * The broker logs through slf4j → reload4j (LOG4J above); Kafka 4.x also brings log4j2's core for
 * its log-level MBean, which would say at start that it has no configuration. This one is it.
 */
const LOG4J2 = `status = warn
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.stdout.ref = STDOUT
`;

/** Apache Kafka from its Maven Central jars, KRaft mode, on 127.0.0.1. */
export const kafkaDriver: ServiceDriver = {
  name: 'kafka',
  externalEnv: 'KAFKA_BROKERS',
  stopSignal: 'SIGTERM',

  async install(progress) {
    await ensureKafkaJars(progress);
  },

  async start(ctx: StartContext): Promise<ServiceInstance> {
    const libs = await ensureKafkaJars(ctx.progress);
    const dir = join(ctx.stackDir, 'kafka');
    const dataDir = join(dir, 'data');
    const port = await pickPort(ctx.previous?.ports.broker ?? 9092, ctx.takenPorts);
    const controllerPort = await pickPort(ctx.previous?.ports.controller ?? 9093, ctx.takenPorts);

    // The log folder is formatted for one set of listeners; on a port change start from a fresh
    // folder rather than fight a quorum that remembers the old controller address.
    const portsFile = join(dir, 'ports.json');
    const formattedFor = existsSync(portsFile) ? readFileSync(portsFile, 'utf8') : '';
    const wanted = JSON.stringify({ port, controllerPort });
    if (formattedFor !== wanted) rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true });
    const config = join(dir, 'server.properties');
    writeFileSync(config, serverProperties(dataDir, port, controllerPort));
    writeFileSync(join(dir, 'log4j.properties'), LOG4J);
    writeFileSync(join(dir, 'log4j2.properties'), LOG4J2);
    const classpath = `${libs}/*`;
    const log4j = `-Dlog4j.configuration=file:${join(dir, 'log4j.properties')}`;
    const log4j2 = `-Dlog4j2.configurationFile=${join(dir, 'log4j2.properties')}`;
    if (!existsSync(join(dataDir, 'meta.properties'))) {
      await run('java', [
        '-cp',
        classpath,
        log4j,
        log4j2,
        'kafka.tools.StorageTool',
        'format',
        '-t',
        clusterId(),
        '-c',
        config,
      ]);
      writeFileSync(portsFile, wanted);
    }
    const pid = startDaemon({
      command: 'java',
      args: [...JVM_OPTS, log4j, log4j2, '-cp', classpath, 'kafka.Kafka', config],
      logFile: join(ctx.stackDir, 'logs', 'kafka.log'),
      cwd: dir,
    });
    const env = { KAFKA_BROKERS: `127.0.0.1:${port}` };
    await waitUntil('Kafka', () => this.check(env), {
      timeoutMs: 90_000,
      intervalMs: 250,
      alive: () => isAlive(pid),
    });
    return {
      pid,
      ports: { broker: port, controller: controllerPort },
      env,
      startedAt: new Date().toISOString(),
      version: VERSIONS.kafka,
    };
  },

  async check(env) {
    const kafka = new Kafka({
      clientId: 'lakestream-devstack',
      brokers: env.KAFKA_BROKERS!.split(','),
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1_000,
      retry: { retries: 0 },
    });
    const admin = kafka.admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length === 0 || cluster.controller === null)
        throw new Error('no controller yet');
    } finally {
      await admin.disconnect().catch(() => {});
    }
  },
};

/**
 * A KRaft cluster id: 16 random bytes, base64url without padding, as `kafka-storage random-uuid`.
 * Like Kafka's own Uuid.randomUuid, never one that starts with '-': the storage tool's argument
 * parser would read it as an option (1 start in 64 failed with "--cluster-id expected one argument").
 */
export function clusterId(): string {
  for (;;) {
    const id = Buffer.from(randomUUID().replaceAll('-', ''), 'hex').toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}
