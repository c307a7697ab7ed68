/** Placeholder until the command is built. */
export async function main(_argv: readonly string[]): Promise<number> {
  process.stderr.write('firestore-source: this command is not built yet\n');
  return 1;
}
