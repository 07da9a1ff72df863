/**
 * The playground's whole state in the address's fragment, so a link reproduces the page on
 * another machine: JSON, compressed by the browser's own CompressionStream ('deflate-raw'),
 * in base64url. The fragment never leaves the browser, so nothing is sent anywhere.
 */

export interface PlaygroundState {
  /** The scenario's file name (the ruleset's name comes from its `ruleset:`). */
  file: string;
  scenario: string;
  ruleset: string;
}

export const FRAGMENT_KEY = 's';

async function pipeBytes(bytes: Uint8Array, stream: GenericTransformStream): Promise<Uint8Array> {
  const out = new Blob([bytes as BlobPart]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(out).arrayBuffer());
}

function toBase64url(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64url(text: string): Uint8Array {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** The fragment (without `#`) that holds `state`. */
export async function encodeState(state: PlaygroundState): Promise<string> {
  const json = new TextEncoder().encode(JSON.stringify({ v: 1, ...state }));
  const packed = await pipeBytes(json, new CompressionStream('deflate-raw'));
  return `${FRAGMENT_KEY}=${toBase64url(packed)}`;
}

/** The state a fragment holds, or undefined when it holds none (or a damaged one). */
export async function decodeState(fragment: string): Promise<PlaygroundState | undefined> {
  const m = new RegExp(`^#?${FRAGMENT_KEY}=([A-Za-z0-9_-]+)$`).exec(fragment);
  if (!m) return undefined;
  try {
    const bytes = await pipeBytes(fromBase64url(m[1]!), new DecompressionStream('deflate-raw'));
    const data = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    const { file, scenario, ruleset } = data;
    if (typeof file !== 'string' || typeof scenario !== 'string' || typeof ruleset !== 'string') {
      return undefined;
    }
    return { file, scenario, ruleset };
  } catch {
    return undefined;
  }
}
