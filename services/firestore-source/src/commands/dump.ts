/**
 * `firestore-source dump PATH`: a managed export's documents as JSON lines (src/managed-export).
 * A one-shot tool whose stdout is the data: no logs, metrics or health endpoint.
 */
import { runDump } from '../managed-export/dump.js';

/** Runs the command; returns the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  return runDump(argv, { stdout: process.stdout, stderr: process.stderr });
}
