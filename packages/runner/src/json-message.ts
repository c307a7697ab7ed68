/** What `parseMessage` needs of a contract's schema (a zod schema has it). */
interface MessageSchema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false };
}

/** A Kafka message's value parsed as JSON and checked against a contract; undefined when it is not one. */
export function parseMessage<T>(
  schema: MessageSchema<T>,
  value: Buffer | null | undefined,
): T | undefined {
  if (value == null) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(value.toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
