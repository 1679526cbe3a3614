// `service:` read from deploy.yml on get's fast path: without a YAML parser, in linear time.
import { describe, expect, it } from 'vitest';
import { readServiceName } from '../../src/light/app.js';

describe('readServiceName', () => {
  it('reads the plain, quoted and commented forms', () => {
    const table: [string, string | null][] = [
      ['service: shop\n', 'shop'],
      ['image: x\nservice:   shop   # the app\n', 'shop'],
      ['service: "shop"\n', 'shop'],
      ["service: 'shop' # quoted\n", 'shop'],
      ['service: shop\r\nimage: x\r\n', 'shop'],
      ['service: a#b\n', 'a#b'],
      ['service:\n', null],
      ['servicex: shop\n', null],
      ['  service: nested\n', null],
      ['service:shop\n', null],
      ['image: x\n', null],
    ];
    for (const [text, service] of table) expect(readServiceName(text), text).toBe(service);
  });

  it('takes linear time on a service: line of 100,000 spaces (a regex took 40 s)', () => {
    const started = process.cpuUsage();
    expect(readServiceName(`service: x${' '.repeat(100_000)}y\n`)).toBe(`x${' '.repeat(100_000)}y`);
    expect(readServiceName(`service:${' '.repeat(100_000)}\n`)).toBeNull();
    const used = process.cpuUsage(started);
    expect((used.user + used.system) / 1000).toBeLessThan(5_000);
  });
});
