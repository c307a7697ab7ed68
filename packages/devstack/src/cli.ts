import { parseArgs } from 'node:util';
import { DevstackError } from './errors.js';
import { installTools } from './install.js';
import { SERVICE_NAMES, type ServiceName } from './services/service.js';
import { DEFAULT_SERVICES, ensureStack, stackStatus, stopStack } from './stack.js';

const USAGE = `usage: devstack <command> [service…] [--all | --with-mariadb | --with-firestore]

Runs the real local stack as processes (no Docker needed).

commands:
  install   fetch and build what the services run (Kafka jars, Go tools, PostgreSQL, MariaDB;
            the Firestore emulator's jar is only looked for: no registry offers it)
  up        start the services (reusing any already up) and print how to reach them
  down      stop the services the devstack started
  status    show each service: running, answering, address
  env       print the client variables (KEY=value), for \`set -a; source\`

services: ${SERVICE_NAMES.join(', ')} (default: ${DEFAULT_SERVICES.join(', ')};
  --with-mariadb adds mariadb, --with-firestore adds firestore, --all adds mariadb, bigquery
  and firestore)`;

function progress(message: string): void {
  process.stderr.write(`[devstack] ${message}\n`);
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      all: { type: 'boolean' },
      'with-mariadb': { type: 'boolean' },
      'with-firestore': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...names] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command || values.help ? 0 : 2;
  }
  const unknown = names.filter((n) => !(SERVICE_NAMES as readonly string[]).includes(n));
  if (unknown.length > 0) {
    console.error(`devstack: unknown service ${unknown.join(', ')}\n\n${USAGE}`);
    return 2;
  }
  const services: readonly ServiceName[] =
    names.length > 0
      ? (names as ServiceName[])
      : values.all
        ? SERVICE_NAMES
        : [
            ...DEFAULT_SERVICES,
            ...(values['with-mariadb'] ? (['mariadb'] as const) : []),
            ...(values['with-firestore'] ? (['firestore'] as const) : []),
          ];
  switch (command) {
    case 'install':
      await installTools({ services, progress });
      progress('tools installed');
      return 0;
    case 'up': {
      const stack = await ensureStack({ services, progress });
      for (const [name, origin] of Object.entries(stack.origins)) progress(`${name}: ${origin}`);
      for (const [key, value] of Object.entries(stack.env)) console.log(`${key}=${value}`);
      return 0;
    }
    case 'down': {
      const stopped = await stopStack(names.length > 0 ? { services } : {});
      progress(stopped.length > 0 ? `stopped ${stopped.join(', ')}` : 'nothing was running');
      return 0;
    }
    case 'status': {
      const rows = await stackStatus();
      for (const row of rows) {
        const state = row.healthy ? 'up' : row.running ? 'running, not answering' : 'down';
        const where = Object.entries(row.env)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ');
        console.log(
          `${row.name.padEnd(9)} ${state.padEnd(24)} ${row.pid ? `pid ${row.pid}`.padEnd(10) : ''.padEnd(10)} ${where}`,
        );
      }
      return rows.filter((r) => (services as string[]).includes(r.name)).every((r) => r.healthy)
        ? 0
        : 1;
    }
    case 'env': {
      for (const row of await stackStatus()) {
        if (row.healthy)
          for (const [key, value] of Object.entries(row.env)) console.log(`${key}=${value}`);
      }
      return 0;
    }
    default:
      console.error(`devstack: unknown command '${command}'\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof DevstackError) {
      console.error(`devstack: ${err.message}`);
      if (err.cause instanceof Error)
        console.error(`  cause: ${err.cause.message.split('\n').slice(0, 8).join('\n  ')}`);
    } else {
      console.error(err);
    }
    process.exitCode = 1;
  },
);
