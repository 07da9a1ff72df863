/**
 * nft's `tcp flags` names and their bits in the TCP header, lowest first: one table for the
 * evaluator's tcp_flag type, the kernel trace readers and the explainer. No prototype: a name
 * read from a scenario (`toString`) looks up nothing.
 */
export const TCP_FLAG_BITS: Readonly<Record<string, number>> = Object.assign(Object.create(null), {
  fin: 0x01,
  syn: 0x02,
  rst: 0x04,
  psh: 0x08,
  ack: 0x10,
  urg: 0x20,
  ecn: 0x40,
  cwr: 0x80,
});

/** The same as [name, bit] pairs, lowest bit first. */
export const TCP_FLAGS: readonly (readonly [string, number])[] = Object.entries(TCP_FLAG_BITS);
