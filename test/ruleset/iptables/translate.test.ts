/**
 * Each iptables match and target, pinned to its nft form. The expected text is what
 * `nft list ruleset` (nft 1.0.6) shows after iptables-nft-restore (1.8.9) loads the line,
 * where nft shows it natively (kernel.test.ts checks that for whole rulesets); where
 * iptables-nft keeps an xtables match (tos, owner, icmp type/code…) the nft form is the one
 * with the kernel's meaning. Deviations are explained next to the case.
 */
import { describe, expect, it } from 'vitest';
import { nft } from './helpers.ts';

const ip6 = { family: 'ip6' as const };
const nat = { table: 'nat' };
const mangle = { table: 'mangle' };

describe('generic matches', () => {
  it.each([
    [
      '-A INPUT -s 10.0.0.0/255.255.0.0 ! -d 1.2.3.4 -j DROP',
      'ip saddr 10.0.0.0/16 ip daddr != 1.2.3.4 counter drop',
    ],
    ['-A INPUT -s 1.2.3.4/32 -j ACCEPT', 'ip saddr 1.2.3.4 counter accept'],
    // iptables keeps only the bits under the mask.
    ['-A INPUT -s 10.1.2.3/8 -j ACCEPT', 'ip saddr 10.0.0.0/8 counter accept'],
    ['-A INPUT -d 10.0.0.1/255.0.255.0 -j DROP', 'ip daddr & 255.0.255.0 == 10.0.0.0 counter drop'],
    [
      '-A FORWARD ! -i docker0 -o docker0 -j ACCEPT',
      'iifname != "docker0" oifname "docker0" counter accept',
    ],
    ['-A FORWARD -i eth+ -o br-+ -j ACCEPT', 'iifname "eth*" oifname "br-*" counter accept'],
    // iptables-nft's order: iif, oif, protocol, saddr, daddr — whatever order the line has.
    [
      '-A FORWARD -s 192.168.255.0/24 -i ppp+ -p gre -j DROP',
      'iifname "ppp*" meta l4proto gre ip saddr 192.168.255.0/24 counter drop',
    ],
    ['-A INPUT -p tcp -j ACCEPT', 'meta l4proto tcp counter accept'],
    ['-A INPUT ! -p tcp -j ACCEPT', 'meta l4proto != tcp counter accept'],
    ['-A INPUT -p all -j ACCEPT', 'counter accept'],
    ['-A INPUT -p 47 -j ACCEPT', 'meta l4proto gre counter accept'],
    ['-A INPUT -f -j DROP', 'ip frag-off & 8191 != 0 counter drop'],
    ['-A INPUT ! -f -j DROP', 'ip frag-off & 8191 == 0 counter drop'],
    // The old syntax: `!` after the option.
    [
      '-A INPUT -s ! 10.0.0.0/8 -i ! lo -j DROP',
      'iifname != "lo" ip saddr != 10.0.0.0/8 counter drop',
    ],
  ])('%s', (line, expected) => {
    expect(nft(line)).toBe(expected);
  });

  it('uses ip6 fields and meta l4proto in ip6tables files', () => {
    expect(nft('-A INPUT -s fe80::/10 -d ::1/128 -p tcp -j ACCEPT', ip6)).toBe(
      'meta l4proto tcp ip6 saddr fe80::/10 ip6 daddr ::1 counter accept',
    );
  });
});

describe('protocol matches', () => {
  it.each([
    ['-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT', 'tcp dport 22 counter accept'],
    ['-A INPUT -p tcp --dport 22 -j ACCEPT', 'tcp dport 22 counter accept'],
    ['-A INPUT -p udp -m udp --sport 1:1024 -j DROP', 'udp sport 1-1024 counter drop'],
    ['-A INPUT -p udp --dport :1023 -j DROP', 'udp dport <= 1023 counter drop'],
    ['-A INPUT -p tcp -m tcp ! --dport 53 -j DROP', 'tcp dport != 53 counter drop'],
    ['-A INPUT -p tcp --dport ! 53 -j DROP', 'tcp dport != 53 counter drop'],
    ['-A INPUT -p sctp --dport 80', 'meta l4proto sctp sctp dport 80 counter'],
    ['-A INPUT -p tcp --tcp-flags SYN,RST SYN -j DROP', 'tcp flags syn / syn,rst counter drop'],
    ['-A INPUT -p tcp --syn -j DROP', 'tcp flags syn / fin,syn,rst,ack counter drop'],
    ['-A INPUT -p tcp ! --syn', 'tcp flags != syn / fin,syn,rst,ack counter'],
    [
      '-A INPUT -p tcp -m tcp --tcp-flags ALL NONE',
      'tcp flags 0x0 / fin,syn,rst,psh,ack,urg counter',
    ],
    [
      '-A INPUT -p tcp --tcp-flags FIN,SYN,RST,PSH,ACK,URG FIN,PSH,URG',
      'tcp flags fin,psh,urg / fin,syn,rst,psh,ack,urg counter',
    ],
    [
      '-A INPUT -p tcp --tcp-option 2 -j DROP',
      'meta l4proto tcp tcp option maxseg exists counter drop',
    ],
    ['-A INPUT -p tcp ! --tcp-option 8', 'meta l4proto tcp tcp option timestamp missing counter'],
    [
      '-A INPUT -p icmp --icmp-type echo-request -j DROP',
      'meta l4proto icmp icmp type echo-request counter drop',
    ],
    [
      '-A INPUT -p icmp --icmp-type 8 -j DROP',
      'meta l4proto icmp icmp type echo-request counter drop',
    ],
    ['-A INPUT -p icmp --icmp-type any -j DROP', 'meta l4proto icmp counter drop'],
    // iptables-translate gives up on type/code; nft has both fields.
    [
      '-A INPUT -p icmp --icmp-type 3/4 -j DROP',
      'meta l4proto icmp icmp type destination-unreachable icmp code 4 counter drop',
    ],
    [
      '-A INPUT -p icmp --icmp-type fragmentation-needed',
      'meta l4proto icmp icmp type destination-unreachable icmp code 4 counter',
    ],
    [
      '-A INPUT -p icmp ! --icmp-type 3/4',
      'meta l4proto icmp icmp type . icmp code != destination-unreachable . 4 counter',
    ],
  ])('%s', (line, expected) => {
    expect(nft(line)).toBe(expected);
  });

  it('writes ICMPv6 types by nft name and keeps the protocol, as iptables-translate does', () => {
    expect(nft('-A INPUT -p ipv6-icmp --icmpv6-type neighbour-solicitation -j DROP', ip6)).toBe(
      'meta l4proto ipv6-icmp icmpv6 type nd-neighbor-solicit counter drop',
    );
    expect(nft('-A INPUT -p icmpv6 -m icmp6 --icmpv6-type 1/3 -j DROP', ip6)).toBe(
      'meta l4proto ipv6-icmp icmpv6 type destination-unreachable icmpv6 code 3 counter drop',
    );
  });

  it('keeps -p when the tcp match has no option (the rule still only takes tcp)', () => {
    expect(nft('-A INPUT -m tcp -p tcp -j ACCEPT')).toBe('meta l4proto tcp counter accept');
  });
});

describe('-m matches', () => {
  it.each([
    [
      '-A INPUT -p tcp -m multiport --dports 80,443:445 -j ACCEPT',
      'meta l4proto tcp tcp dport { 80, 443-445 } counter accept',
    ],
    [
      '-A INPUT -p udp -m multiport ! --sports 53,67 -j ACCEPT',
      'meta l4proto udp udp sport != { 53, 67 } counter accept',
    ],
    [
      '-A INPUT -p tcp -m multiport --ports 80,443 -j DROP',
      'meta l4proto tcp tcp sport . tcp dport { 0-65535 . 80, 80 . 0-65535, 0-65535 . 443, 443 . 0-65535 } counter drop',
    ],
    [
      '-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
      'ct state related,established counter accept',
    ],
    ['-A INPUT -m state --state NEW -j ACCEPT', 'ct state new counter accept'],
    ['-A INPUT -m conntrack --ctstate UNTRACKED,INVALID', 'ct state untracked,invalid counter'],
    // `ct state != new,related` would compare the whole value: a set says "neither".
    [
      '-A INPUT -m conntrack ! --ctstate NEW,RELATED -j ACCEPT',
      'ct state != { new, related } counter accept',
    ],
    ['-A INPUT -m conntrack ! --ctstate NEW -j ACCEPT', 'ct state != new counter accept'],
    ['-A INPUT -m conntrack --ctstate DNAT -j ACCEPT', 'ct status dnat counter accept'],
    [
      '-A INPUT -m conntrack --ctstatus CONFIRMED,ASSURED -j ACCEPT',
      'ct status confirmed,assured counter accept',
    ],
    // ct status has several bits set at once: "none of them" is a mask test.
    [
      '-A INPUT -m conntrack ! --ctstatus CONFIRMED,ASSURED -j ACCEPT',
      'ct status & (confirmed | assured) == 0x0 counter accept',
    ],
    // kube-proxy: neither related/established nor DNATed.
    [
      '-A INPUT -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
      'ct state != { related, established } ct status & dnat == 0x0 counter drop',
    ],
    ['-A INPUT -m conntrack --ctproto UDP -j ACCEPT', 'ct original protocol 17 counter accept'],
    [
      '-A INPUT -m conntrack --ctorigsrc 10.100.0.0/255.255.0.0 -j ACCEPT',
      'ct original saddr 10.100.0.0/16 counter accept',
    ],
    [
      '-A INPUT -m conntrack --ctrepldst 10.100.2.131 -j ACCEPT',
      'ct reply daddr 10.100.2.131 counter accept',
    ],
    [
      '-A INPUT -m conntrack --ctproto tcp --ctorigsrcport 443:444 -j ACCEPT',
      'ct original protocol 6 ct original proto-src 443-444 counter accept',
    ],
    [
      '-A INPUT -m conntrack --ctorigsrcport 10 --ctdir REPLY',
      'ct direction reply ct original proto-src 10 counter',
    ],
    [
      '-A INPUT -m addrtype --dst-type LOCAL --limit-iface-in -j ACCEPT',
      'fib daddr . iif type local counter accept',
    ],
    [
      '-A INPUT -m addrtype --src-type LOCAL,BROADCAST -j DROP',
      'fib saddr type { local, broadcast } counter drop',
    ],
    [
      '-A OUTPUT -m addrtype ! --dst-type LOCAL --limit-iface-out -j DROP',
      'fib daddr . oif type != local counter drop',
    ],
    ['-A INPUT -m mark --mark 0x10/0xff -j DROP', 'mark & 0xff == 0x10 counter drop'],
    ['-A INPUT -m mark ! --mark 1 -j DROP', 'mark != 0x1 counter drop'],
    ['-A INPUT -m connmark --mark 0x1/0x1 -j DROP', 'ct mark & 0x1 == 0x1 counter drop'],
    [
      '-A INPUT -m iprange --src-range 10.0.0.1-10.0.0.9 ! --dst-range 1.1.1.1-1.1.1.2 -j DROP',
      'ip saddr 10.0.0.1-10.0.0.9 ip daddr != 1.1.1.1-1.1.1.2 counter drop',
    ],
    ['-A INPUT -m pkttype --pkt-type broadcast -j DROP', 'pkttype broadcast counter drop'],
    ['-A INPUT -m pkttype ! --pkt-type unicast', 'pkttype != host counter'],
    ['-A INPUT -m mac --mac-source AA:BB:CC:DD:EE:FF', 'ether saddr aa:bb:cc:dd:ee:ff counter'],
    // getopt_long takes an unambiguous prefix of an option.
    ['-A INPUT -m mac --mac 00:60:08:76:35:51', 'ether saddr 00:60:08:76:35:51 counter'],
    ['-A INPUT -m length --length 100:200', 'meta length 100-200 counter'],
    ['-A INPUT -m length ! --length 100', 'meta length != 100 counter'],
    ['-A INPUT -m dscp --dscp 0x2e', 'ip dscp 0x2e counter'],
    ['-A INPUT -m dscp --dscp-class EF', 'ip dscp 0x2e counter'],
    // No nft field is named tos: the byte itself (iptables-translate gives up).
    ['-A INPUT -m tos --tos Minimize-Delay', '@nh,8,8 & 0x3f == 0x10 counter'],
    ['-A INPUT -m tos --tos 0x10', '@nh,8,8 == 0x10 counter'],
    ['-A OUTPUT -m owner --uid-owner 1000 --gid-owner 100', 'skuid 1000 skgid 100 counter'],
    ['-A OUTPUT -m owner --uid-owner 1000-2000', 'skuid 1000-2000 counter'],
    [
      '-A INPUT -m limit --limit 3/minute --limit-burst 10 -j LOG',
      'limit rate 3/minute burst 10 packets counter log',
    ],
    ['-A INPUT -m limit --limit 3/min', 'limit rate 3/minute counter'],
    ['-A INPUT -m ttl --ttl-gt 3', 'ip ttl > 3 counter'],
    [
      '-A INPUT -m statistic --mode random --probability 0.3333333333 -j DROP',
      'meta random & 2147483647 < 715827883 counter drop',
    ],
    [
      '-A INPUT -m statistic --mode nth --every 3 --packet 0 -j DROP',
      'numgen inc mod 3 0 counter drop',
    ],
    [
      '-A INPUT -m nfacct --nfacct-name invalid_pkts -j DROP',
      'counter name "invalid_pkts" counter drop',
    ],
  ])('%s', (line, expected) => {
    expect(nft(line)).toBe(expected);
  });

  it('hl is the hop limit of ip6tables', () => {
    expect(nft('-A INPUT -m hl --hl-lt 2', ip6)).toBe('ip6 hoplimit < 2 counter');
  });

  it('takes --comment into Rule.comment, quotes and all', () => {
    expect(nft('-A INPUT -m comment --comment "hello \\"world\\"" -j DROP')).toBe(
      'counter drop comment "hello "world""',
    );
  });
});

describe('targets', () => {
  it.each([
    ['-A INPUT -j REJECT', 'counter reject', {}],
    ['-A INPUT -j REJECT --reject-with icmp-port-unreachable', 'counter reject', {}],
    [
      '-A INPUT -j REJECT --reject-with icmp-net-unreachable',
      'counter reject with icmp net-unreachable',
      {},
    ],
    [
      '-A INPUT -j REJECT --reject-with icmp-host-unreachable',
      'counter reject with icmp host-unreachable',
      {},
    ],
    [
      '-A INPUT -j REJECT --reject-with icmp-proto-unreachable',
      'counter reject with icmp prot-unreachable',
      {},
    ],
    [
      '-A INPUT -j REJECT --reject-with icmp-net-prohibited',
      'counter reject with icmp net-prohibited',
      {},
    ],
    [
      '-A INPUT -j REJECT --reject-with icmp-host-prohibited',
      'counter reject with icmp host-prohibited',
      {},
    ],
    [
      '-A INPUT -j REJECT --reject-with icmp-admin-prohibited',
      'counter reject with icmp admin-prohibited',
      {},
    ],
    [
      '-A INPUT -p tcp -j REJECT --reject-with tcp-reset',
      'meta l4proto tcp counter reject with tcp reset',
      {},
    ],
    ['-A INPUT -j REJECT --reject-with icmp6-no-route', 'counter reject with icmpv6 no-route', ip6],
    [
      '-A INPUT -j REJECT --reject-with icmp6-adm-prohibited',
      'counter reject with icmpv6 admin-prohibited',
      ip6,
    ],
    [
      '-A INPUT -j REJECT --reject-with icmp6-addr-unreachable',
      'counter reject with icmpv6 addr-unreachable',
      ip6,
    ],
    ['-A INPUT -j REJECT --reject-with icmp6-port-unreachable', 'counter reject', ip6],
    ['-A INPUT -j RETURN', 'counter return', {}],
    [
      '-A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4-1.2.3.9:80-90',
      'meta l4proto tcp counter dnat to 1.2.3.4-1.2.3.9:80-90',
      nat,
    ],
    [
      '-A PREROUTING -p tcp -j DNAT --to-destination [fe80::1]:80',
      'meta l4proto tcp counter dnat to [fe80::1]:80',
      { ...nat, ...ip6 },
    ],
    [
      '-A POSTROUTING -j SNAT --to-source 1.2.3.4 --random --persistent',
      'counter snat to 1.2.3.4 random,persistent',
      nat,
    ],
    [
      '-A POSTROUTING -p tcp -j MASQUERADE --to-ports 1000-2000 --random-fully',
      'meta l4proto tcp counter masquerade to :1000-2000 fully-random',
      nat,
    ],
    ['-A POSTROUTING -o eth0 -j MASQUERADE', 'oifname "eth0" counter masquerade', nat],
    [
      '-A PREROUTING -p tcp -j REDIRECT --to-ports 8080',
      'meta l4proto tcp counter redirect to :8080',
      nat,
    ],
    ['-A PREROUTING -j MARK --set-mark 0x10', 'counter meta mark set 0x10', mangle],
    [
      '-A PREROUTING -j MARK --set-mark 0x10/0xff',
      'counter meta mark set mark & 0xffffff00 ^ 0x10',
      mangle,
    ],
    [
      '-A PREROUTING -j MARK --set-xmark 0x10/0xff',
      'counter meta mark set mark & 0xffffff00 ^ 0x10',
      mangle,
    ],
    ['-A PREROUTING -j MARK --or-mark 0x10', 'counter meta mark set mark | 0x10', mangle],
    ['-A PREROUTING -j MARK --and-mark 0x10', 'counter meta mark set mark & 0x10', mangle],
    ['-A PREROUTING -j MARK --xor-mark 0x10', 'counter meta mark set mark ^ 0x10', mangle],
    ['-A PREROUTING -j CONNMARK --set-mark 1', 'counter ct mark set 0x1', mangle],
    // xt_CONNMARK: ctmark = (ctmark & ~mask) ^ value.
    [
      '-A PREROUTING -j CONNMARK --set-xmark 0xa00/0xff00',
      'counter ct mark set ct mark & 0xffff00ff ^ 0xa00',
      mangle,
    ],
    ['-A PREROUTING -j CONNMARK --save-mark', 'counter ct mark set mark', mangle],
    ['-A PREROUTING -j CONNMARK --restore-mark', 'counter meta mark set ct mark', mangle],
    [
      '-A PREROUTING -j CONNMARK --save-mark --nfmask 0xff --ctmask 0xff',
      'counter ct mark set ct mark & 0xffffff00 ^ mark & 0xff',
      mangle,
    ],
    ['-A PREROUTING -j CT --notrack', 'counter notrack', { table: 'raw' }],
    ['-A PREROUTING -j NOTRACK', 'counter notrack', { table: 'raw' }],
    [
      '-A PREROUTING -p tcp --dport 21 -j CT --helper ftp',
      'tcp dport 21 counter ct helper set "ftp"',
      { table: 'raw' },
    ],
    ['-A PREROUTING -j CT --zone 4097', 'counter ct zone set 4097', { table: 'raw' }],
    ['-A PREROUTING -j TRACE', 'counter meta nftrace set 1', { table: 'raw' }],
    [
      '-A INPUT -j LOG --log-prefix "a b: " --log-level 4',
      'counter log prefix "a b: " level warn',
      {},
    ],
    [
      '-A INPUT -j LOG --log-level debug --log-tcp-options --log-uid',
      'counter log level debug flags tcp options flags skuid',
      {},
    ],
    [
      '-A INPUT -j NFLOG --nflog-group 3 --nflog-prefix x --nflog-size 40 --nflog-threshold 2',
      'counter log prefix "x" group 3 snaplen 40 queue-threshold 2',
      {},
    ],
    [
      '-A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu',
      'tcp flags syn / syn,rst counter tcp option maxseg size set rt mtu',
      mangle,
    ],
    [
      '-A FORWARD -p tcp -j TCPMSS --set-mss 1400',
      'meta l4proto tcp counter tcp option maxseg size set 1400',
      mangle,
    ],
    ['-A INPUT -j NFQUEUE --queue-num 3', 'counter queue num 3', {}],
    ['-A INPUT -j CLASSIFY --set-class 1:2', 'counter meta priority set 1:2', {}],
  ])('%s', (line, expected, opts) => {
    expect(nft(line, opts)).toBe(expected);
  });

  it('jumps to and goes to declared chains', () => {
    expect(nft('-A FORWARD -j DOCKER', { chains: ['DOCKER'] })).toBe('counter jump DOCKER');
    expect(nft('-A FORWARD -g DOCKER', { chains: ['DOCKER'] })).toBe('counter goto DOCKER');
  });
});
