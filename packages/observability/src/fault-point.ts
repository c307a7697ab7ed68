/**
 * Named crash points for the fault suite. A data platform's promises are broken at precise moments
 * – an object written but its offsets not committed, a batch published but not announced – that a
 * kill from outside hits only by luck. `LAKESTREAM_FAULT_POINTS=name[@N],…` makes the process kill
 * itself with SIGKILL (no shutdown hook, no flush: a real crash) at the N-th time it passes `name`
 * (the first by default). Unset, a fault point costs one map lookup.
 */

const ENV_VAR = 'LAKESTREAM_FAULT_POINTS';

/** Parses `name[@N],…` into name → the hit that kills. Malformed entries throw: a typo must not pass silently. */
export function parseFaultPoints(text: string | undefined): Map<string, number> {
  const points = new Map<string, number>();
  for (const entry of (text ?? '').split(',')) {
    const trimmed = entry.trim();
    if (trimmed === '') continue;
    const match = /^([a-z][a-z0-9-]*\.[a-z][a-z0-9-]*)(?:@([1-9][0-9]*))?$/.exec(trimmed);
    if (!match) {
      throw new Error(
        `${ENV_VAR}: '${trimmed}' is not a fault point (expected <service>.<moment> or <service>.<moment>@N)`,
      );
    }
    points.set(match[1]!, Number(match[2] ?? 1));
  }
  return points;
}

let armed: Map<string, number> | undefined;
const hits = new Map<string, number>();

/** Crashes the process here when the fault suite armed `name` for this hit; otherwise does nothing. */
export function faultPoint(name: string): void {
  armed ??= parseFaultPoints(process.env[ENV_VAR]);
  const at = armed.get(name);
  if (at === undefined) return;
  const hit = (hits.get(name) ?? 0) + 1;
  hits.set(name, hit);
  if (hit !== at) return;
  process.stderr.write(`fault point ${name} (hit ${hit}): killing process ${process.pid}\n`);
  process.kill(process.pid, 'SIGKILL');
}
