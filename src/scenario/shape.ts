/**
 * The scenario format's sections, their keys and what each holds: the one description the
 * loader reads its key lists from and src/scenario/schema.ts turns into the JSON Schema
 * (docs/spec/scenario.schema.json), so the two cannot drift apart. Cross-references (a machine's
 * interface, a packet's sender) and address syntax stay with the loader; the schema gives
 * editors the shape, the types, the closed sets and the descriptions.
 */

/** A JSON Schema fragment (draft 2020-12). */
export type JsonSchema = { [key: string]: unknown };

export interface Field {
  required?: boolean;
  description: string;
  schema: JsonSchema;
}

export type Section = Readonly<Record<string, Field>>;

const text = (description: string, required = false): Field => ({
  description,
  schema: { type: 'string', pattern: '\\S' },
  ...(required ? { required } : {}),
});
const list = (items: JsonSchema, description: string, required = false, minItems = 0): Field => ({
  description,
  schema: { type: 'array', items, ...(minItems ? { minItems } : {}) },
  ...(required ? { required } : {}),
});
const ref = (name: string): JsonSchema => ({ $ref: `#/$defs/${name}` });
const port = (description: string): Field => ({
  description,
  schema: { type: 'integer', minimum: 1, maximum: 65535 },
});

export const PROTOCOLS = ['udp', 'tcp', 'icmp', 'icmpv6'] as const;
export const RULESET_FORMATS = ['nft', 'iptables-save', 'nft-json'] as const;
export const LANGS = ['en', 'ja'] as const;
/** A machine's name (also how packets name their sender). */
export const MACHINE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;
/** A sysctl the simulator does not read, allowed for the record. */
export const OTHER_SYSCTL = /^net\.[A-Za-z0-9_.-]*[A-Za-z0-9_]$/;
/** `tcp/22`, `udp/1812` (the loader also checks the port's range). */
const LISTEN = { type: 'string', pattern: '^\\s*(tcp|udp)/\\d{1,5}\\s*$' };

/** The sysctls the simulator reads, with the values a scenario gets when it does not say. */
export const SYSCTL_DEFAULTS: Readonly<Record<string, number>> = {
  'net.ipv4.ip_forward': 0,
  'net.ipv6.conf.all.forwarding': 0,
  'net.bridge.bridge-nf-call-iptables': 1,
  'net.bridge.bridge-nf-call-ip6tables': 1,
};

export const TOP: Section = {
  title: text("the page's title", true),
  summary: {
    description: 'free text (Markdown) shown under the title',
    schema: { type: 'string' },
  },
  lang: {
    description: 'the language of the scenario and its explanation (default en)',
    schema: { enum: [...LANGS] },
  },
  translations: {
    description: 'title and summary in the languages other than lang',
    schema: {
      type: 'object',
      propertyNames: { enum: [...LANGS] },
      additionalProperties: ref('translation'),
    },
  },
  ruleset: {
    required: true,
    description:
      'the ruleset file, relative to the scenario: a path (nft text) or one of nft, iptables-save, nft-json',
    schema: { oneOf: [{ type: 'string', pattern: '\\S' }, ref('rulesetFile')] },
  },
  host: {
    required: true,
    description: 'the machine whose netfilter is simulated',
    schema: ref('host'),
  },
  hosts: list(ref('machine'), 'the other machines, each behind one host interface', true),
  packets: list(ref('packet'), 'one conversation each, in order', true, 1),
};

export const TRANSLATION: Section = {
  title: text('the title in this language', true),
  summary: {
    description: 'the summary in this language (exactly when the scenario has one)',
    schema: { type: 'string' },
  },
};

export const RULESET_FILE: Section = Object.fromEntries(
  RULESET_FORMATS.map((f) => [f, text(`a ${f} file, relative to the scenario`)]),
);

export const HOST: Section = {
  name: text('its name on the page (default host)'),
  interfaces: list(ref('interface'), 'its interfaces', true, 1),
  routes: list(ref('route'), 'routes beyond the connected ones'),
  sysctl: { description: 'sysctls (defaults filled in)', schema: ref('sysctl') },
  listens: list(LISTEN, 'sockets open on the host itself, like tcp/22'),
  // Policy routing (issue 17): see POLICY_RULE and ROUTE_TABLE below.
  rules: list(
    ref('policyRule'),
    'ip rules beyond the kernel defaults (0 local, 32766 main, 32767 default)',
  ),
  tables: list(ref('routeTable'), 'routing tables other than local and main, for rules to name'),
};

export const INTERFACE: Section = {
  name: text('the interface name, like eth0', true),
  kind: { description: 'bridge or link (default link)', schema: { enum: ['link', 'bridge'] } },
  addresses: list({ type: 'string' }, 'IPv4 and/or IPv6 CIDRs, like 192.0.2.1/24', true),
};

export const ROUTE: Section = {
  to: text('a CIDR, or default', true),
  via: text('the gateway'),
  dev: text('the interface (default: inferred from the gateway)'),
};

export const MACHINE: Section = {
  name: {
    required: true,
    description: 'its name, which packets use in from',
    schema: { type: 'string', pattern: MACHINE_NAME.source, not: { const: 'host' } },
  },
  interface: text('the host interface it sits behind', true),
  port: text('behind a bridge: the name of its bridge port (default veth<N>)'),
  mac: text('its MAC address'),
  gateway: text('its default route (default: the host interface address)'),
  addresses: list({ type: 'string' }, 'its addresses, without prefix', true, 1),
  listens: list(LISTEN, 'sockets it has open, like udp/1812'),
};

// ---------------------------------------------------------------------------------------
// Extension: TCP segments (issue #17; docs/spec/scenario-format.md, "Extension: segments").
// A tcp conversation may list its segments instead of the request and its answer.

export const SEGMENT_DIRS = ['request', 'reply'] as const;
export const SEGMENT_FLAGS = ['syn', 'ack', 'fin', 'rst', 'psh', 'urg'] as const;
/** What a segment's `seq` and `ack` offsets may be. */
export const SEGMENT_OFFSET = 1_000_000_000;

export const SEGMENT: Section = {
  dir: {
    required: true,
    description: 'request: from the sender to `to`; reply: from `to` back to the sender',
    schema: { enum: [...SEGMENT_DIRS] },
  },
  flags: {
    required: true,
    description: 'the TCP flags it carries (an empty list: none)',
    schema: { type: 'array', items: { enum: [...SEGMENT_FLAGS] }, uniqueItems: true },
  },
  payload: {
    description: 'bytes of data it carries (default 0)',
    schema: { type: 'integer', minimum: 0, maximum: 1400 },
  },
  seq: {
    description:
      'added to the sequence number its sender would use next (default 0): a segment outside the window',
    schema: { type: 'integer', minimum: -SEGMENT_OFFSET, maximum: SEGMENT_OFFSET },
  },
  ack: {
    description:
      'added to the acknowledgement number its sender would send (default 0): an ACK of data never sent',
    schema: { type: 'integer', minimum: -SEGMENT_OFFSET, maximum: SEGMENT_OFFSET },
  },
};

const PACKET_SEGMENTS: Section = {
  segments: list(
    ref('segment'),
    'tcp only: the segments of the conversation, in order, sent as written (instead of the request and its answer)',
    false,
    1,
  ),
};

// End of the segments extension.
// ---------------------------------------------------------------------------------------

export const PACKET: Section = {
  from: text('a machine of hosts, or host', true),
  to: text('the destination address', true),
  protocol: { required: true, description: 'the protocol', schema: { enum: [...PROTOCOLS] } },
  sport: port('the source port (tcp and udp only, required there)'),
  dport: port('the destination port (tcp and udp only, required there)'),
  saddr: text("the source address (default: the sender's)"),
  ...PACKET_SEGMENTS,
};

// ---- Policy routing (issue 17): ip rules and extra route tables ---------------------------

/** A table as a rule names it: a number (1 to 2^32-1) or a name (local, main, default, or a table's name). */
const TABLE_REF = {
  oneOf: [
    { type: 'integer', minimum: 1, maximum: 4294967295 },
    { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_.-]*$' },
  ],
};

export const POLICY_RULE: Section = {
  priority: {
    description:
      "its preference (0 to 4294967295); default: as `ip rule add` without pref, one below the second rule's",
    schema: { type: 'integer', minimum: 0, maximum: 4294967295 },
  },
  family: {
    description: 'ipv4 or ipv6 (default: the family of from/to, else ipv4)',
    schema: { enum: ['ipv4', 'ipv6'] },
  },
  not: {
    description: 'invert the selector (ip rule add not …)',
    schema: { type: 'boolean' },
  },
  from: text('the source prefix (CIDR or an address), or all'),
  to: text('the destination prefix (CIDR or an address), or all'),
  fwmark: {
    description: 'the packet mark, as a number or "VALUE/MASK" (like 0xca6c or "0x1/0xff")',
    schema: {
      oneOf: [
        { type: 'integer', minimum: 0, maximum: 4294967295 },
        { type: 'string', pattern: '^\\s*(0x[0-9a-fA-F]+|\\d+)(/(0x[0-9a-fA-F]+|\\d+))?\\s*$' },
      ],
    },
  },
  iif: text("the input interface (lo for the host's own packets)"),
  oif: text('the output interface (only packets of a socket bound to it)'),
  table: { required: true, description: 'the table to look up', schema: TABLE_REF },
  suppress_prefixlength: {
    description: 'do not take a route with a prefix this long or shorter (wg-quick: 0 on main)',
    schema: { type: 'integer', minimum: 0, maximum: 128 },
  },
};

export const ROUTE_TABLE: Section = {
  id: {
    required: true,
    description: 'its number (1 to 2^32-1; not 253 to 255: default, main, local)',
    schema: { type: 'integer', minimum: 1, maximum: 4294967295 },
  },
  name: {
    description: 'a name rules may use instead of the number (as in /etc/iproute2/rt_tables)',
    schema: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_.-]*$' },
  },
  routes: list(ref('route'), 'its routes (a table other than main has no connected routes)', true),
};

// ---- end policy routing -------------------------------------------------------------------

/** The keys of a section, as the loader allows them. */
export function keysOf(section: Section): string[] {
  return Object.keys(section);
}

/** The keys a section must have. */
export function requiredOf(section: Section): string[] {
  return Object.entries(section)
    .filter(([, f]) => f.required === true)
    .map(([k]) => k);
}
