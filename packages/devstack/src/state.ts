import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ServiceInstance, ServiceName } from './services/service.js';

/** What the devstack remembers between commands: the services it started and how to reach them. */
export interface StackState {
  services: Partial<Record<ServiceName, ServiceInstance>>;
}

export function stateFile(stackDir: string): string {
  return join(stackDir, 'state.json');
}

export function readState(stackDir: string): StackState {
  const file = stateFile(stackDir);
  if (!existsSync(file)) return { services: {} };
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StackState;
  } catch {
    return { services: {} };
  }
}

/** Writes the state and the `env` file that `commands.sh` sources (one KEY=value a line). */
export function writeState(stackDir: string, state: StackState): void {
  mkdirSync(stackDir, { recursive: true });
  const file = stateFile(stackDir);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  const env = Object.values(state.services).flatMap((s) => Object.entries(s?.env ?? {}));
  writeFileSync(join(dirname(file), 'env'), env.map(([k, v]) => `${k}=${v}\n`).join(''));
}
