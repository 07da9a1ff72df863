/**
 * The JSON Schema (draft 2020-12) of the scenario format, built from the description the loader
 * reads its keys from (src/scenario/shape.ts). `node scripts/scenario-schema.ts` writes it to
 * docs/spec/scenario.schema.json; a test checks the file is this and that the loader and the
 * schema agree on accepted and refused scenarios.
 */
import {
  HOST,
  INTERFACE,
  type JsonSchema,
  MACHINE,
  OTHER_SYSCTL,
  PACKET,
  POLICY_RULE,
  ROUTE,
  ROUTE_TABLE,
  RULESET_FILE,
  requiredOf,
  SEGMENT,
  type Section,
  SYSCTL_DEFAULTS,
  TOP,
  TRANSLATION,
} from './shape.ts';

function objectOf(section: Section, extra: JsonSchema = {}): JsonSchema {
  const required = requiredOf(section);
  return {
    type: 'object',
    properties: Object.fromEntries(
      Object.entries(section).map(([k, f]) => [k, { description: f.description, ...f.schema }]),
    ),
    ...(required.length ? { required } : {}),
    additionalProperties: false,
    ...extra,
  };
}

const TCP_OR_UDP = { properties: { protocol: { enum: ['tcp', 'udp'] } }, required: ['protocol'] };

/** The schema, as an object ready for JSON.stringify. */
export function scenarioSchema(): JsonSchema {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://github.com/nfwalk/nfwalk/docs/spec/scenario.schema.json',
    title: 'nfwalk scenario (v1)',
    description:
      'A host with its netfilter ruleset, the machines around it and the packets sent (docs/spec/scenario-format.md). Generated from src/scenario/shape.ts by scripts/scenario-schema.ts.',
    ...objectOf(TOP),
    $defs: {
      translation: objectOf(TRANSLATION),
      rulesetFile: objectOf(RULESET_FILE, { minProperties: 1, maxProperties: 1 }),
      host: objectOf(HOST),
      interface: objectOf(INTERFACE),
      route: objectOf(ROUTE, { anyOf: [{ required: ['via'] }, { required: ['dev'] }] }),
      policyRule: objectOf(POLICY_RULE),
      routeTable: objectOf(ROUTE_TABLE),
      sysctl: {
        type: 'object',
        properties: Object.fromEntries(
          Object.keys(SYSCTL_DEFAULTS).map((k) => [
            k,
            { type: 'integer', minimum: 0, maximum: 1, default: SYSCTL_DEFAULTS[k] },
          ]),
        ),
        patternProperties: {
          [OTHER_SYSCTL.source]: { type: 'integer', minimum: -2147483648, maximum: 2147483647 },
        },
        additionalProperties: false,
      },
      machine: objectOf(MACHINE),
      packet: objectOf(PACKET, {
        if: TCP_OR_UDP,
        // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then/else
        then: { required: ['sport', 'dport'] },
        else: { not: { anyOf: [{ required: ['sport'] }, { required: ['dport'] }] } },
        // Extension (segments): only a tcp conversation lists segments.
        dependentSchemas: { segments: { properties: { protocol: { const: 'tcp' } } } },
      }),
      segment: objectOf(SEGMENT),
    },
  };
}

/** The schema file's text. */
export function scenarioSchemaText(): string {
  return `${JSON.stringify(scenarioSchema(), null, 2)}\n`;
}
