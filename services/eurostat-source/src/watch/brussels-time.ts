/**
 * Eurostat writes the feed's times as Brussels wall-clock times without a zone
 * (`2026-04-24 23:00:00.0`: its releases are at 11:00 and 23:00 Europe/Brussels). This turns
 * one into the UTC instant, summer time included.
 */

const WALL = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?$/;

const brussels = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Brussels',
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** Milliseconds Brussels is ahead of UTC at `instant`. */
function offsetAt(instant: number): number {
  const parts = Object.fromEntries(
    brussels.formatToParts(new Date(instant)).map((p) => [p.type, p.value]),
  ) as Record<string, string>;
  const asUtc = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/**
 * The UTC Date of a Brussels wall-clock time `YYYY-MM-DD HH:MM:SS[.f]`, or undefined when the
 * text is not one. A time given with its zone (RFC 822 `Fri, 24 Apr 2026 21:00:00 GMT`, ISO with
 * an offset) is read as it says.
 */
export function feedTime(text: string): Date | undefined {
  const trimmed = text.trim();
  const m = WALL.exec(trimmed);
  if (!m) {
    if (!/(GMT|UTC|Z|[+-]\d{2}:?\d{2})$/.test(trimmed)) return undefined;
    const parsed = new Date(trimmed);
    return Number.isNaN(parsed.getTime()) ? undefined : parsed;
  }
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  const wall = Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
  const check = new Date(wall);
  if (check.getUTCDate() !== d || check.getUTCHours() !== h) return undefined;
  // The offset at the guess, then at the corrected instant: right on both sides of a DST change.
  const first = wall - offsetAt(wall);
  return new Date(wall - offsetAt(first));
}
