/**
 * The benchmark's measured process: reads one answer with the streaming reader, raw file to
 * columnar rows, and prints one JSON line with the rows, the time of each pass and the peak RSS
 * of the whole process (a process of its own, so nothing else counts in that peak).
 *
 *   node --conditions=lakestream-source --import tsx bench/jsonstat-read.ts ANSWER.json[.gz]
 */
import { openJsonStat } from '../src/jsonstat/index.js';

const file = process.argv[2];
if (file === undefined) throw new Error('usage: jsonstat-read.ts ANSWER.json[.gz]');
const start = performance.now();
const cpuStart = process.cpuUsage();
const reader = await openJsonStat(file);
const surveyed = performance.now();
let rows = 0;
let valued = 0;
for await (const batch of reader.batches()) {
  rows += batch.length;
  for (let i = 0; i < batch.length; i++) if (!Number.isNaN(batch.value[i])) valued++;
}
const end = performance.now();
console.log(
  JSON.stringify({
    rows,
    valued,
    pass1Seconds: (surveyed - start) / 1000,
    pass2Seconds: (end - surveyed) / 1000,
    seconds: (end - start) / 1000,
    cpuSeconds: (() => {
      const { user, system } = process.cpuUsage(cpuStart);
      return (user + system) / 1e6;
    })(),
    maxRssMB: process.resourceUsage().maxRSS / 1024,
  }),
);
