import { SERVICE_NAMES, type ServiceName } from './services/service.js';
import { DRIVERS } from './stack.js';
import type { Progress } from './tools.js';

export interface InstallOptions {
  services?: readonly ServiceName[];
  progress?: Progress;
}

/** Installs (fetches, builds) what the wanted services run, so a later start is quick. */
export async function installTools({
  services = SERVICE_NAMES,
  progress = () => {},
}: InstallOptions = {}): Promise<void> {
  for (const name of services) await DRIVERS[name].install(progress);
}
