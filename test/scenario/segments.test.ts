/** The `segments` extension of a conversation: read as written, refused at line and column. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/load.ts';
import { scenarioErrors, scratch, VALID } from './helpers.ts';

let s: ReturnType<typeof scratch>;
beforeEach(() => {
  s = scratch();
});
afterEach(() => s.done());

const TCP = VALID.replace(
  'protocol: udp\n    sport: 40000\n    dport: 1812',
  'protocol: tcp\n    sport: 40000\n    dport: 22',
);
const withSegments = (lines: string) => `${TCP}    segments:\n${lines}`;

describe('segments', () => {
  it('reads each segment with its defaults', () => {
    const sc = parseScenario(
      withSegments(
        '      - { dir: request, flags: [syn] }\n      - { dir: reply, flags: [syn, ack] }\n      - { dir: request, flags: [psh, ack], payload: 32, seq: 1000000, ack: -3 }\n',
      ),
      'x.yaml',
      s.dir,
    );
    expect(sc.packets[0]!.segments?.map(({ span, ...seg }) => seg)).toEqual([
      { dir: 'request', flags: ['syn'], payload: 0, seq: 0, ack: 0 },
      { dir: 'reply', flags: ['syn', 'ack'], payload: 0, seq: 0, ack: 0 },
      { dir: 'request', flags: ['psh', 'ack'], payload: 32, seq: 1000000, ack: -3 },
    ]);
    // A file without segments means what it meant in v1.
    expect(parseScenario(TCP, 'x.yaml', s.dir).packets[0]).not.toHaveProperty('segments');
  });

  it('refuses a wrong dir, an unknown or repeated flag, a bad number, at their position', () => {
    const text = withSegments(
      '      - { dir: sideways, flags: [syn] }\n      - { dir: request, flags: [syn, bogus, syn] }\n      - { dir: request, flags: [], payload: 5000 }\n      - { dir: request, flags: [ack], window: 3 }\n',
    );
    const errors = scenarioErrors(text, s.dir).map((d) => `${d.line}:${d.col} ${d.message}`);
    // Line and column of the `nth` occurrence of `token` on the line containing `needle`.
    const at = (needle: string, token: string, nth = 0) => {
      const lines = text.split('\n');
      const i = lines.findIndex((l) => l.includes(needle));
      let col = -1;
      for (let k = 0; k <= nth; k++) col = lines[i]!.indexOf(token, col + 1);
      return `${i + 1}:${col + 1}`;
    };
    expect(errors).toEqual([
      `${at('sideways', 'sideways')} packets[0].segments[0].dir must be request or reply, not "sideways"`,
      `${at('bogus', 'bogus')} packets[0].segments[1].flags[1]: "bogus" is not a TCP flag (syn, ack, fin, rst, psh, urg)`,
      `${at('bogus', 'syn', 1)} packets[0].segments[1].flags[2]: "syn" is listed twice`,
      `${at('5000', '5000')} packets[0].segments[2].payload must be between 0 and 1400, not 5000`,
      `${at('window', 'window')} unknown key "window" in packets[0].segments[3]`,
    ]);
  });

  it('refuses segments on a udp conversation, and a `to` that no one owns', () => {
    const udp = `${VALID}    segments:\n      - { dir: request, flags: [syn] }\n`;
    expect(scenarioErrors(udp, s.dir).map((d) => d.message)).toEqual([
      'packets[0].segments: only a tcp conversation lists segments, not udp',
    ]);
    const nobody = withSegments('      - { dir: request, flags: [syn] }\n').replace(
      'to: 10.254.10.252',
      'to: 10.254.10.99',
    );
    const [e] = scenarioErrors(nobody, s.dir);
    expect(e?.message).toMatch(/sends its replies from 10.254.10.99, which is neither/);
    expect(e?.line).toBe(nobody.split('\n').findIndex((l) => l.includes('10.254.10.99')) + 1);
  });
});
