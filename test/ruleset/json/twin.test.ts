/**
 * A ruleset loaded into the kernel with nft 1.0.6 on this machine (fixtures/kernel-input.nft),
 * listed back both ways: `nft -j list ruleset` (kernel-listing.json-nft) and `nft list
 * ruleset` (kernel-listing.nft). Both front ends must give the same model.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  canonical,
  comparableModel,
  modelDifference,
} from '../../../src/ruleset/json/conformance.ts';
import { parseNftJson } from '../../../src/ruleset/json/index.ts';
import { parseNft } from '../../../src/ruleset/nft/index.ts';

const fixture = (name: string) => new URL(`fixtures/${name}`, import.meta.url);
const jsonText = readFileSync(fixture('kernel-listing.json-nft'), 'utf8');
const listing = readFileSync(fixture('kernel-listing.nft'), 'utf8');

describe('a kernel listing read as JSON and as text', () => {
  const fromJson = parseNftJson(jsonText, 'kernel-listing.json-nft');
  const fromText = parseNft(listing, 'kernel-listing.nft');

  it('gives equal models, apart from spans, source texts and handles', () => {
    expect(modelDifference(comparableModel(fromJson), comparableModel(fromText))).toBeUndefined();
    expect(canonical(comparableModel(fromJson))).toBe(canonical(comparableModel(fromText)));
  });

  it('prints every rule as its line of the listing', () => {
    const lines = listing.split('\n').map((l) => l.trim());
    const rules = fromJson.tables.flatMap((t) => t.chains.flatMap((c) => c.rules));
    expect(rules.length).toBe(23);
    for (const r of rules) expect(lines).toContain(r.text);
  });

  it('keeps the kernel handles that the text listing does not show', () => {
    expect(fromJson.tables[0]!.handle).toBeGreaterThan(0);
    expect(fromJson.tables[0]!.chains.every((c) => c.handle !== undefined)).toBe(true);
    expect(fromText.tables[0]!.handle).toBeUndefined();
  });

  it('notices a difference: the comparison is not vacuous', () => {
    const changed = parseNftJson(jsonText.replace('"lo"', '"lo2"'), 'x.json-nft');
    expect(modelDifference(comparableModel(changed), comparableModel(fromText))).toMatch(/lo2/);
  });
});

describe('statements beyond the common ones, as nft 1.0.6 listed them', () => {
  // fixtures/kernel-input-2.nft: objects (ct helper/timeout/expectation, synproxy, limit,
  // quota), tproxy, socket, osf, tcp option, sctp chunk, dup, fwd, numgen, jhash, symhash,
  // log options, raw payloads, ct directions, ipsec, rt, a netdev table.
  const json = parseNftJson(
    readFileSync(fixture('kernel-listing-2.json-nft'), 'utf8'),
    'kernel-listing-2.json-nft',
  );
  const lines = readFileSync(fixture('kernel-listing-2.nft'), 'utf8')
    .split('\n')
    .map((l) => l.trim());
  // nft 1.0.6 printed `ip frag-off` in decimal; current nft (and this reader) in hex.
  const versionDifferences = new Set(['ip dscp cs1 ip ecn ce ip frag-off & 0x1fff != 0x0 drop']);

  it('prints every rule as its line of the listing', () => {
    const rules = json.tables.flatMap((t) => t.chains.flatMap((c) => c.rules));
    expect(rules.length).toBe(28);
    const missing = rules.map((r) => r.text).filter((t) => !lines.includes(t));
    expect(missing).toEqual([...versionDifferences]);
  });

  it('words every stateful object as the listing does', () => {
    const objects = json.tables.flatMap((t) => t.objects);
    expect(objects.map((o) => o.type)).toEqual([
      'ct helper',
      'ct timeout',
      'ct expectation',
      'synproxy',
      'limit',
      'quota',
    ]);
    for (const o of objects) for (const line of o.body) expect(lines).toContain(line.join(' '));
  });
});
