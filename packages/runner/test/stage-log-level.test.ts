import { describe, expect, it } from 'vitest';
import { stageLogLevel } from '../src/child-process.js';

describe('stageLogLevel', () => {
  it('keeps a level that shows info lines and lowers one that would hide them to info', () => {
    expect(stageLogLevel(undefined)).toBe('info');
    for (const level of ['trace', 'debug', 'info']) expect(stageLogLevel(level)).toBe(level);
    for (const level of ['warn', 'error', 'fatal']) expect(stageLogLevel(level)).toBe('info');
  });

  it("leaves a value that is not a level to the stage's own configuration error", () => {
    expect(stageLogLevel('loud')).toBe('loud');
  });
});
