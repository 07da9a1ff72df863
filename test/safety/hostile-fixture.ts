/**
 * A scenario made of hostile text, where nft and the scenario format allow it: chain and set
 * names (nft names are [A-Za-z0-9_/.-]: Markdown emphasis), interface names (any 15 bytes),
 * rule comments (128 bytes), title and summary (anything). nft 1.0.6 loads the ruleset
 * (checked: `nft -f` in a namespace lists it back unchanged).
 */
export const HOSTILE_RULESET = `table inet nfwh {
	set __s_et__ {
		type ipv4_addr
		elements = { 10.0.0.1 }
	}

	chain __bold__ {
		counter packets 0 bytes 0 accept comment "[x](javascript:alert(1)) <!-- \`code\` | a | b * c"
	}

	chain input {
		type filter hook input priority filter; policy accept;
		iifname "<img src=x>" accept comment "<script>alert(1)</script>"
		iifname "lo" accept comment "<img src=x onerror=alert(1)>"
		ip saddr @__s_et__ accept comment "import x from 'y'"
		tcp dport 22 jump __bold__ comment "{alert(1)} <Foo/> export const x = 1"
	}
}
`;

export const HOSTILE_SCENARIO = `title: "<script>alert(1)</script> {alert(1)} <Foo/> \`tick\` a|b *x* [x](javascript:alert(1)) <!--"
summary: |
  export const pwned = (globalThis.nfwalkPwned = 1)

  import x from "y"

  <img src=x onerror=alert(1)> {alert(1)} <Foo/> | a | b |
  [click](javascript:alert(1)) <!-- *emph* \`code\`

  <script>alert(1)</script>
ruleset: hostile.nft
host:
  name: "<b>h</b>"
  interfaces:
    - name: lo
      addresses: [127.0.0.1/8]
    - name: "{alert(1)}"
      addresses: [192.0.2.1/24]
hosts:
  - name: x__client__
    interface: "{alert(1)}"
    addresses: [192.0.2.50]
    listens: [tcp/22]
packets:
  - from: x__client__
    to: 192.0.2.1
    protocol: tcp
    sport: 40000
    dport: 22
`;

/** What each page must show, as text, character for character. */
export const MUST_SHOW = [
  'export const pwned = (globalThis.nfwalkPwned = 1)',
  'import x from "y"',
  '<img src=x onerror=alert(1)> {alert(1)} <Foo/> | a | b |',
  // The summary is Markdown by the format: *emph* and `code` are formatted, the rest is text.
  '[click](javascript:alert(1)) <!-- ',
  '<script>alert(1)</script>',
  '{alert(1)} <Foo/> export const x = 1',
  '[x](javascript:alert(1)) <!-- `code` | a | b * c',
  '__bold__',
  '{alert(1)}',
];
