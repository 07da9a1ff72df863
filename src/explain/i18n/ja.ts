/** 日本語: ページのすべての文。en.ts と同じキーを持つ。 */
import type { PacketRole } from '../../netfilter/trace.ts';
import type { NatDelta } from '../facts.ts';
import { code as c, type Phrase, plain } from '../phrase.ts';
import type { FamilyClass } from '../stages.ts';
import type { ChainRef, FlowRefusal, LocalAddr, Messages, TcpInvalidKind } from './messages.ts';

const FLOW_REFUSAL_JA: Record<FlowRefusal, string> = {
  'no-conntrack': 'パケットに conntrack のエントリがありません。',
  protocol: 'オフロードされるのは TCP と UDP の接続だけです。',
  'tcp-fin-rst': 'セグメントに FIN か RST が立っています。',
  'tcp-not-established': 'TCP 接続がまだ確立していません（ハンドシェイクが終わっていません）。',
  helper: '接続に conntrack ヘルパーが付いています。',
  'not-confirmed':
    '接続がまだ確定（confirm）していません。これは接続の最初のパケットで、conntrack が確定するのはパケットがホストを出るときです。',
  'already-offloaded': '接続はすでに flowtable に登録されています。',
  'no-route': 'パケットが入ってきたデバイスを通って送信元へ戻る経路がありません。',
};

const cref = (r: ChainRef): Phrase => [c(`${r.family} ${r.table}`), ' の ', c(r.chain)];

function list(items: Phrase[]): Phrase {
  const out: Phrase = [];
  items.forEach((p, i) => {
    if (i > 0) out.push('、');
    out.push(...p);
  });
  return out;
}

const locals = (l: LocalAddr[]): Phrase => list(l.map((a) => [c(a.iface), `:${a.address}`]));
const addrWord = (f: 'saddr' | 'daddr') => (f === 'saddr' ? '送信元アドレス' : '宛先アドレス');
const portWord = (f: 'sport' | 'dport') => (f === 'sport' ? '送信元ポート' : '宛先ポート');
const ifWord = (d: 'in' | 'out') => (d === 'in' ? '入力インターフェース' : '出力インターフェース');
const roleWord: Record<PacketRole, string> = {
  request: 'リクエスト',
  reply: 'レスポンス',
  'icmp-error': 'ICMPエラー',
  reset: 'TCPリセット',
  redirect: 'ICMPリダイレクト',
};
const layer = (f: FamilyClass) =>
  f === 'bridge'
    ? 'bridgeファミリ'
    : f === 'netdev'
      ? 'netdevファミリ'
      : f === 'arp'
        ? 'arpファミリ'
        : 'ipファミリ';
const fieldWord = (d: NatDelta) =>
  d.field === 'both' ? 'パケット' : d.field === 'source' ? '送信元' : '宛先';
const verdictWord: Record<string, string> = {
  answered: 'リクエストは届き、レスポンスが返ってきます',
  delivered: 'リクエストは届きますが、レスポンスはありません',
  passed: 'リクエストはホストを通過します',
  dropped: 'リクエストは破棄されます',
  rejected: 'リクエストは拒否されます',
  'reply-dropped': 'リクエストは届きますが、レスポンスが破棄されます',
  unsupported: 'nfwalk がモデル化していないものに当たり、追跡はそこで止まります',
  'no-packets': 'ホストを通過するパケットはありません',
};

/** conntrack の TCP ステートの意味（nf_conntrack_proto_tcp.c）。 */
const TCP_STATE_JA: Record<string, string> = {
  SYN_SENT: 'SYN を見て、SYN-ACK はまだ見ていない状態',
  SYN_RECV: 'SYN-ACK を見た状態。クライアントの ACK でハンドシェイクが完了します',
  ESTABLISHED: 'ハンドシェイクが完了した状態。途中から拾った接続では ACK を見た状態です',
  FIN_WAIT: '片側が FIN を送った状態',
  CLOSE_WAIT: 'その FIN に ACK が返った状態。反対側はまだ送信できます',
  LAST_ACK: '両側が FIN を送り、最後の ACK を待つ状態',
  TIME_WAIT: '最後の ACK を見た状態。エントリは 2 分間残ってから消えます',
  CLOSE: 'RST で接続が閉じた状態。エントリは 10 秒間残ってから消えます',
  SYN_SENT2: '両側が SYN を送った状態（同時オープン）',
};

const TCP_INVALID_JA: Record<TcpInvalidKind, string> = {
  flags: 'TCP フラグの組み合わせが、実際の接続には現れないものだからです（tcp_error）',
  'cannot-start':
    'conntrack が知っているどの接続にも属さず、接続を始められるのは SYN（nf_conntrack_tcp_loose が有効なら ACK も）だけだからです（tcp_new）',
  state:
    '接続の TCP ステートがこのセグメントを許さないからです（nf_conntrack_proto_tcp.c のステート遷移表）',
  'rst-seq': '相手が確認応答した位置より前のシーケンス番号を持つ RST だからです',
  'seq-over':
    'シーケンス番号が、受信側が通知したウィンドウの外にあるからです（tcp_in_window: SEQ is over the upper bound）',
  'ack-over':
    '相手がまだ送っていないデータを確認応答しているからです（tcp_in_window: ACK is over the upper bound）',
};

export const ja: Messages = {
  list,
  sentences: (parts) => parts.flat(),

  setupHeading: () => ['前提条件'],
  setupIntro: (host) => [
    'netfilter をシミュレートするホストは ',
    c(host),
    ' です。インターフェースとアドレスは以下のとおりです。',
  ],
  colInterface: () => ['インターフェース'],
  colKind: () => ['種類'],
  colAddresses: () => ['アドレス'],
  colMachine: () => ['マシン'],
  colBehind: () => ['接続先'],
  colListens: () => ['待ち受け'],
  kind: (k) => [k === 'bridge' ? 'ブリッジ' : 'リンク'],
  none: () => ['なし'],
  machinesIntro: () => ['周囲のマシンは以下のとおりです。'],
  route: (to, via, dev) => [
    '経路: ',
    c(to),
    ...(via ? [' via ', via] : []),
    ...(dev ? [' dev ', c(dev)] : []),
  ],
  tableRoute: (table, to, via, dev) => [
    'テーブル ',
    c(table),
    ' の経路: ',
    c(to),
    ...(via ? [' via ', via] : []),
    ...(dev ? [' dev ', c(dev)] : []),
  ],
  ipRules: (family, rules) => [
    `ip rule による経路の選択（policy routing）: IPv${family} の ip rule をカーネルが試す順に並べます（各ルールは自分のテーブルを引き、経路が見つかるまで次へ進みます）: `,
    ...rules.flatMap((r, i) => [...(i > 0 ? ['、'] : []), c(r)]),
  ],
  sysctlForwarding: (on) =>
    on
      ? [
          c('net.ipv4.ip_forward = 1'),
          ': ホストはインターフェース間でパケットをルーティングします。',
        ]
      : [c('net.ipv4.ip_forward = 0'), ': ホストは IPv4 パケットを転送しません。'],
  sysctlBridgeNf: (on) =>
    on
      ? [
          c('net.bridge.bridge-nf-call-iptables = 1'),
          '（Docker が読み込む br_netfilter）: ブリッジを通るパケットも ip ファミリのhookを通ります。そのため、ブリッジのポートに来たフレームは bridge ファミリと ip ファミリの両方のchainに出会うことがあります。',
        ]
      : [
          c('net.bridge.bridge-nf-call-iptables = 0'),
          ': ブリッジされたパケットは bridge ファミリのchainだけを通ります。',
        ],
  hostListens: (s) => [`ホスト自身は ${s.join(', ')} で待ち受けています。`],
  rulesetIntro: (path, format, tables) => [
    'ルールセット: ',
    c(path),
    `（${format === 'iptables-save' ? 'iptables-save の出力' : format === 'nft-json' ? 'nft -j の JSON' : 'nft list ruleset'}）、テーブル ${tables} 個。以下のリストはここから、対象のhookのchainと、パケットが到達したchainだけを抜き出したものです。`,
  ],

  conversationHeading: (n, protocol, flow) => [`通信 ${n}: ${protocol} ${flow}`],
  conversationIntro: (from, to, roles, verdict) => [
    c(from),
    ' から ',
    c(to),
    ` あてに送ります。ホストを通過するパケットは${roles.map((r) => roleWord[r]).join('と')}です。結論: ${verdictWord[verdict] ?? verdict}。`,
  ],
  sequenceIntro: () => ['マシンから見た通信と、途中でホストが行うアドレス変換です。'],
  hookMapSummary: () => ['netfilter の全hookの図'],
  hookMapIntro: () => [
    'netfilter の全hookです。この通信が通るhookを色で示しています（青: リクエスト、橙色: レスポンス、緑: 両方）。',
  ],
  samePath: (n, differs, steps) => [
    `この通信は通信 ${n} と同じ経路をたどります（同じパケットが同じhookとchainを通ります）。`,
    ...(differs.length === 0 && steps === 0
      ? ['違うのは、chainから見えるアドレスだけです。']
      : [
          '違うのは、',
          ...differs.flatMap((d, i) => (i === 0 ? d : ['、', ...d])),
          ...(steps > 0
            ? [
                differs.length > 0 ? '、そして' : '',
                `別のルールがマッチした、または判定が違う次の ${steps} ステップです。`,
              ]
            : ['です。']),
        ]),
  ],
  samePathField: (field, now, then, n) => [
    `${field === 'protocol' ? 'プロトコル' : field === 'saddr' || field === 'daddr' ? addrWord(field) : portWord(field)}が ${now}（通信 ${n} では ${then}）`,
  ],
  samePathVerdict: (now, then, n) => [
    `結論が「${verdictWord[now] ?? now}」（通信 ${n} では「${verdictWord[then] ?? then}」）`,
  ],
  samePathStep: (step, chain, now, then, n) => [
    `(${step}) `,
    c(chain),
    ': ここでは ',
    ...now,
    `、通信 ${n} では `,
    ...then,
    '。',
  ],
  fullWalkSummary: (n) => [`通信 ${n} の全体: 図と、各hookのすべてのステップ`],
  flowchartSummary: () => ['フロー図'],
  listingSameAs: (n) => [
    `chainとルールは通信 ${n} のこのhookの一覧と同じです。以下のステップの番号もそちらと同じです。`,
  ],
  flowchartSameAs: (n) => [
    `フロー図は通信 ${n} の同じパケットのものと同じです（アドレスは上のとおり）。`,
  ],
  hookMapSame: (n) => [
    `この通信が通るhookは通信 ${n} と同じです。netfilter の全hookの図はそちらを参照してください。`,
  ],
  packetHeading: (role, flow) => [`${roleWord[role]}: ${flow}`],
  packetIntro: (role, from, iif) => [
    `${roleWord[role]}は `,
    c(from),
    ...(iif
      ? [' から来て、', c(iif), ' でホストに入ります']
      : [' から（ホスト上のプロセスが）送ります']),
    '。hookごとに追っていきます。',
  ],
  flowchartIntro: () => ['通過するhookとbase chain、各chainの判定とアドレスの変化です。'],
  stageHeading: (role, hook, fclass, from) => [
    `${from ? `${from} からの` : ''}${roleWord[role]}(${fclass === 'l3' ? '' : `${fclass} `}${hook})`,
  ],
  stageIntro: (hook, fclass, iptables) => [
    iptables ? 'iptables-save の出力から、' : 'nft list ruleset から、',
    `${layer(fclass)}でhookが${hook}のchainと、そこからパケットが到達したchainを抽出すると、以下となります。`,
  ],
  brNetfilterPrerouting: (b) => [
    'パケットはブリッジ ',
    c(b),
    ' のポートに着信しました。br_netfilter があると、ip ファミリの prerouting のchainはブリッジ自身の prerouting の中から、ブリッジがフレームの行き先を決める前に呼ばれます。入力インターフェースにはブリッジデバイスが見えます。',
  ],
  listingElided: (count, passedOver) =>
    passedOver
      ? `… ほかに ${count.toLocaleString('en-US')} 個のruleを通過（どれもマッチせず）`
      : `… ほかに ${count.toLocaleString('en-US')} 個のrule（到達せず）`,
  listingFolded: (base, chains, first, last, rows) =>
    `${first === last ? `(${first})` : `(${first})〜(${last})`}：${base} から辿った ${chains} 個のchain、判定なし（${rows} 行）`,
  listingUnreached: (count) => `… ${count.toLocaleString('en-US')} 個のrule（到達せず）`,
  stageInferredIntro: (hook) => [
    `パケットは ${hook} のhookも通りますが、そのどのchainにも入りません。そこにあるchainは以下です。`,
  ],
  packetAtStart: (flow, iif, oif) => [
    `現時点での通信は ${flow} となります`,
    ...(iif ? ['（入力インターフェース ', c(iif)] : []),
    ...(oif ? [iif ? '、出力インターフェース ' : '（出力インターフェース ', c(oif)] : []),
    ...(iif || oif ? ['）'] : []),
    '。',
  ],
  packetNow: (flow) => [`この時点の通信は ${flow} となります。`],
  natChangeBetween: (d) => [
    `hookとhookの間で${fieldWord(d)}が ${d.from} から ${d.to} に変わりました（conntrack が、この接続に記録した変換を適用しています）。`,
  ],

  stepEnter: (f) => [
    ...(f.first
      ? [
          `${f.fclass === 'bridge' ? 'bridgeファミリの' : f.fclass === 'netdev' ? 'netdevファミリ（IP や conntrack より前）の' : ''}${f.hook}のhookでは、テーブルに関係なく、base chainが優先順位の順（priority の値の小さい順）に実行されます。`,
        ]
      : ['同じhookで次に、']),
    ...cref(f.chain),
    `（type ${f.type}、priority ${f.priorityText}${f.priorityText !== String(f.priority) ? ` = ${f.priority}` : ''}）`,
    f.first
      ? f.position === 1
        ? 'が最も優先順位が高いので、このchainが選択されます。'
        : `が、パケットが最初に入るchainです（${f.total}個中${f.position}番目）。`
      : `が実行されます（優先順位で${f.total}個中${f.position}番目）。`,
  ],
  policyDropNote: (chain, drop) => [
    'このchainの policy は ',
    c(drop),
    ' です。accept されないまま ',
    c(chain),
    ' の最後まで進んだパケットは破棄されるので、どこかのルールで accept される必要があります。',
  ],
  chainSees: (flow) => [`このchainから見たパケットは ${flow} です。`],
  stepBecause: (reasons, action) => {
    // 名詞で終わる理由には「なので」、「ない」「る」で終わる理由には「ので」を続ける。
    const last = plain(reasons.at(-1) ?? []).replace(/（[^（）]*）$/, '');
    // コードで終わる理由（`ens192` など）のあとは、他の箇所と同じく半角スペースを挟む。
    const tail = reasons.at(-1)?.at(-1);
    const sp = typeof tail === 'object' && 'code' in tail ? ' ' : '';
    return [...list(reasons), sp, /[いる]$/.test(last) ? 'ので、' : 'なので、', ...action, '。'];
  },
  stepAlways: (action) => [
    typeof action[0] === 'object' && 'code' in action[0] ? '無条件に ' : '無条件に',
    ...action,
    '。',
  ],
  actJump: (t) => [c(t), ' に飛びます'],
  actGoto: (t) => [c(t), ' に goto します'],
  actReturn: (to) =>
    to ? [c(to), ' に戻ります'] : ['base chainでの return なので、policyが適用されます'],
  actAccept: () => ['accept します'],
  actNat: (kind, to, result, iface, word) =>
    [
      kind === 'masquerade'
        ? [
            '送信元を出力インターフェース',
            ...(iface ? [' ', c(iface)] : []),
            ' のアドレス',
            ...(to ? [` ${to}`] : []),
            ' に ',
            c(word),
            ' します',
          ]
        : kind === 'snat'
          ? ['送信元を', ...(to ? [` ${to} に`] : []), ' ', c(word), ' します']
          : kind === 'redirect'
            ? ['宛先をホスト自身', ...(to ? [`（${to}）`] : []), 'に ', c(word), ' します']
            : ['宛先を', ...(to ? [` ${to} に`] : []), ' ', c(word), ' します'],
      ...(result ? [`（パケットは ${result} になります）`] : []),
    ].flat() as Phrase,
  actDrop: () => ['パケットを破棄（drop）します'],
  actReject: (text) => ['パケットを破棄し、カーネルが代わりに応答します（', c(text), '）'],
  actQueue: () => ['パケットをユーザー空間のキューに渡します'],
  actContinue: (st) => [
    ...(st.length > 0 ? [...list(st.map((x) => [c(x)])), ' を実行し'] : ['なにもせず']),
    '、判定がないので次のルールの評価に進みます',
  ],
  laterBaseNote: () => [
    '前のbase chainでのacceptはそのchainを終わらせるだけで、同じhookのbase chainはすべて順番に評価されます。パケットを完全に止めるのは drop だけです。',
  ],
  jumpMeans: (t, from) => [
    'jump は呼び出しです。',
    c(t),
    ' が return するか、判定なしで最後まで進むと、',
    c(from),
    ' のこのルールの次から評価が再開されます。',
  ],
  gotoMeans: (t, from, caller) =>
    [
      'goto は戻ってきません。',
      c(t),
      ' が判定なしで終わっても ',
      c(from),
      ' には戻らず、',
      caller
        ? [c(from), ' を呼び出した ', c(caller), ' に戻ります。']
        : ['base chainの評価が終わり、policyが適用されます。'],
    ].flat() as Phrase,
  returnMeans: (to) => [c(to), ' の、jump したルールの次から評価が続きます。'],
  acceptMeans: (chain, base, later) => [
    ...(chain !== base
      ? [
          'regular chain の ',
          c(chain),
          ' は base chain の ',
          c(base),
          ' から呼び出されています。',
          c(chain),
          ' で accept した時点で、呼び出し元の ',
          c(base),
          ' の評価も終了します。',
        ]
      : ['accept で ', c(base), ' の評価は終了します。']),
    ...(later.length > 0
      ? [
          'ただしhookの処理が終わるわけではなく、',
          ...list(later.map(cref)),
          ' はこの後も実行されます。',
        ]
      : ['このhookでこれより後に入るbase chainはないので、パケットはこのhookを通過します。']),
  ],
  natMeans: (kind) => [
    'NAT文は accept でchainを終わらせます。この変換は接続の最初のパケットで conntrack のエントリに記録され、以後の同じ接続のパケットは同じように、そのレスポンスは逆向きに、natのchainを通らずに変換されます',
    kind === 'masquerade'
      ? '（masquerade は変換を記録する時点の出力インターフェースのアドレスを使います）。'
      : '。',
  ],
  dropMeans: () => ['パケットはここで消え、以降のchainやhookには現れません。'],
  passedOver: (chain, n) => [
    c(chain),
    ` の ↓ の付いたルール（${n}個）は順に評価されましたが、一致しませんでした。`,
  ],
  passedOverWhy: (chain, why, more = 0) => [
    c(chain),
    ' の ↓ の付いたルールは一致しません（',
    ...why.flatMap((w, i) => [
      ...(i > 0 ? ['／'] : []),
      c(w.stmt),
      (w.count ?? 1) > 1 ? ` が${w.count}個のルールで続けて不成立: ` : ' が不成立: ',
      ...w.fact,
    ]),
    more > 0 ? `／ほか ${more.toLocaleString('en-US')} 個のルールも一致しません）。` : '）。',
  ],
  implicitReturn: (from, to) => [
    c(from),
    ' は判定のないまま最後のルールまで進んだので（暗黙の return）、',
    c(to),
    ' に戻ります。',
  ],
  implicitReturnShort: (from, to) => [c(from), ' は判定なしで終わり、', c(to), ' に戻ります。'],
  emptyJumps: (chain, targets) => [
    ...list(targets.map((t) => [c(t)])),
    ' に順に無条件で飛びます。どのchainにもルールがないので、そのたびに何もせず ',
    c(chain),
    ' に戻ります（暗黙の return）。パケットには何も起きません。',
  ],
  quietChain: (chain, reached, from, last, verdict) => [
    `(${from}) から (${last}) まで、パケットには何も起きません。`,
    c(chain),
    ' から先でマッチするルールは ',
    ...(reached.length > 0
      ? [...list(reached.map((t) => [c(t)])), ' に jump・goto・return で進むだけ']
      : ['return するだけ']),
    'で、判定を出すルールがないので、base chain ',
    c(chain),
    ' の policy が適用されます -> ',
    c(verdict),
    '。',
  ],
  quietChainSummary: (first, last) => [`(${first})〜(${last}) を一つずつ見る`],
  emptyJumpOne: (target, chain) => [
    c(target),
    ' に無条件で飛びます。ルールがないので、そのまま ',
    c(chain),
    ' に戻ります。',
  ],
  emptyRunSummary: (first, last) => [`(${first})〜(${last}) を一つずつ見る`],
  stepPolicy: (chain, verdict) => [
    '引き続きの処理がないため、base chain ',
    c(chain),
    ' の policy が適用されます -> ',
    c(verdict),
    '。',
  ],
  policyMeans: (v) =>
    v === 'accept'
      ? ['パケットはこのhookの次のbase chainへ、なければhookの先へ進みます。']
      : ['パケットはここで破棄されます。'],
  ruleNotInRuleset: (text) => [
    'シミュレータはこの位置に、ルールセットにないルールを報告しました: ',
    c(text),
    '。',
  ],
  notEnteredNatEstablished: (r, state) => [
    ...cref(r),
    ` は nat のchainなので入りません。パケットは既知の接続に属しており（conntrack の状態は ${state}）、nat のchainは接続の最初のパケットしか見ないからです。`,
  ],
  notEnteredNatMapped: (r, by) => [
    ...cref(r),
    ' には入りません。このhookで ',
    c(by),
    ' がすでにこの接続の変換を設定しており、変換が決まると同じhookの残りの nat chainは飛ばされます。',
  ],
  notEnteredDropped: (r) => [
    ...cref(r),
    ' には入りません。その順番が来る前にパケットが破棄されました。',
  ],
  notEnteredUnknown: (r) => [
    ...cref(r),
    ' はこのhookにありますが、トレースではパケットはここに入っていません。',
  ],

  reasonLocal: (f, addr, l) => [
    `${addrWord(f)} ${addr} は local（自ホストが持つアドレス: `,
    ...locals(l),
    '）',
  ],
  reasonNotLocal: (f, addr, l) => [
    `${addrWord(f)} ${addr} は local ではない（自ホストが持つアドレスは `,
    ...locals(l),
    '）',
  ],
  reasonIface: (d, n) => [`${ifWord(d)}は `, c(n)],
  reasonIfaceIn: (d, n, v) => [
    `${ifWord(d)} `,
    c(n),
    ' は ',
    ...list(v.map((x) => [c(x)])),
    ' のいずれか',
  ],
  reasonIfaceNot: (d, n, v) => [
    `${ifWord(d)}は `,
    c(n),
    ' で ',
    ...list(v.map((x) => [c(x)])),
    ' ではない',
  ],
  reasonNoIface: (d) => [
    d === 'in'
      ? 'ここでは入力インターフェースがない（ホスト自身が送ったパケット）'
      : 'まだ出力インターフェースが決まっていない',
  ],
  reasonProto: (p) => [`プロトコルは ${p}`],
  reasonProtoNot: (p, v) => [`プロトコルは ${p} で ${v.join(', ')} ではない`],
  reasonFamily: (f) => [`パケットは ${f}`],
  reasonAddr: (f, a) => [`${addrWord(f)}は ${a}`],
  reasonAddrIn: (f, a, s) => [`${addrWord(f)} ${a} は `, c(s), ' に含まれる'],
  reasonAddrNot: (f, a, v) => [`${addrWord(f)} ${a} は `, c(v), ' ではない'],
  reasonPort: (f, p) => [`${portWord(f)}は ${p}`],
  reasonPortIn: (f, p, s) => [`${portWord(f)} ${p} は `, c(s), ' に含まれる'],
  reasonPortNot: (f, p, v) => [`${portWord(f)} ${p} は `, c(v), ' ではない'],
  reasonCtState: (s) => [
    `conntrack の状態は ${s}`,
    s === 'new'
      ? '（接続の最初のパケット）'
      : s === 'established'
        ? '（conntrack がすでに知っている接続のパケット）'
        : '',
  ],
  reasonCtStateNot: (s, v) => [`conntrack の状態は ${s} で ${v.join(', ')} ではない`],
  reasonCtStateOneOf: (v) => [`conntrack の状態は ${v.join(', ')} のいずれか`],
  reasonCtStatus: (st) => [
    `接続の conntrack ステータスに ${st.join(', ')} がある`,
    st.includes('dnat') ? '（接続の開始時に宛先が変換された）' : '',
    st.includes('snat') ? '（接続の開始時に送信元が変換された）' : '',
  ],
  reasonIcmpType: (t, of, not) => [
    `パケットは ICMP の ${t}`,
    ...(not ? ['（別のタイプ）'] : of ? ['（', c(of.join(', ')), ' のひとつ）'] : []),
  ],
  reasonTcpFlags: (f) => [
    `TCPフラグは ${f.join(', ')}`,
    f.length === 1 && f[0] === 'syn' ? '（接続の最初のパケット）' : '',
  ],
  reasonMark: (m) => [`パケットのmarkは ${m}`],
  reasonSetElement: (set, el) => [c(set), ' に要素 ', c(el), ' があり、このパケットに一致する'],
  reasonSetNoElement: (set) => [c(set), ' にこのパケットに一致する要素はない'],
  reasonGeneric: (t) => [c(t), ' が成り立つ'],

  routeLocal: (d, i) => [
    `routing decision: ${d} はホスト自身のアドレス（`,
    c(i),
    '）なので、パケットは自ホスト宛てとして input のhookへ進みます。',
  ],
  routeForward: (d, oif, local, via, subnet) => [
    local
      ? `ホストが送るパケットの routing decision: ${d} は`
      : `routing decision: ${d} はホストのアドレスではなく、`,
    ...(subnet
      ? [c(oif), ` のサブネット ${subnet} にあるので、`]
      : [`${via ?? 'デフォルトルート'} 経由で `, c(oif), ' から届くので、']),
    local ? '' : 'パケットは転送され（次は forward のhook）、',
    c(oif),
    ' から出ていきます。',
  ],
  routeRule: (rule, table, suppressed) => [
    'ip rule ',
    c(rule),
    ' が経路を決めました。ルートはテーブル ',
    c(table),
    ' のものです。',
    suppressed.length === 0
      ? ''
      : `先にルール ${suppressed.join('、')} が一致しましたが、見つけたルートは suppress_prefixlength によって使われず、次のルールへ進みました。`,
  ],
  rerouteByChain: (chain, changed) => [
    'output chain ',
    ...cref(chain),
    ` は type route で、パケットの${changed.map((x) => (x === 'mark' ? 'mark' : x === 'saddr' ? '送信元アドレス' : '宛先アドレス')).join('と')}を変えたので、カーネルはパケットをもう一度ルーティングします（ip_route_me_harder）。`,
  ],
  routeInBridge: (d, oif, b) => [
    `宛先が ${d} に変わったので、br_netfilter はフレームがまだブリッジの prerouting にある間に経路を調べます。${d} へは `,
    c(oif),
    ' 経由で届き、',
    c(b),
    ' のポートの先にはありません。そのためフレームはそのままブリッジされず、ホストの IP スタックに渡されて転送されます。',
  ],
  ctNew: () => [
    'conntrack にはこのパケットのエントリがないので、新しく作られます（状態 new）。nat のchainがこの接続で見るのは、このパケットだけです。',
  ],
  ctReply: (s) => [
    `conntrack はリクエストが作ったエントリを見つけます。このパケットはそのレスポンスです（状態 ${s}）。リクエストに記録した変換が、途中で元に戻されます。`,
  ],
  ctKnown: (s) => [
    `conntrack は、この接続の前のパケットが作ったエントリを見つけます（状態 ${s}）。既知の接続のパケットなので nat のchainは通らず、記録済みの変換がそのまま適用されます。`,
  ],
  ctBridge: () => [
    'bridgeのテーブルのルールが conntrack を使うので、モジュール ',
    c('nf_conntrack_bridge'),
    ' が bridgeファミリの prerouting の優先順位 -200 に入ります。ブリッジされるパケットを、br_netfilter の有無にかかわらず L2 でそこで追跡し、bridge postrouting の最後でエントリを確定（confirm）します。このモジュールがないカーネルはルールを拒否します（',
    c('Could not process rule: Protocol error'),
    '）。',
  ],
  ctNone: () => [
    'このパケットには conntrack のhookが働かないので、conntrack のエントリを持ちません。',
  ],
  ctAttached: (s) => [
    `このパケットはホスト自身が別のパケットに応答して作ったもので、最初からそのパケットの conntrack エントリを持っています（状態 ${s}）。conntrack が改めて探すことはありません。`,
  ],
  ctOther: (s) => [`conntrack: 状態 ${s}。`],
  ctTcpState: (s, from, created) => [
    created ? 'TCP ステートは ' : 'この接続の conntrack の TCP ステートは ',
    ...(from && !created ? [c(from), ' から '] : []),
    c(s),
    created ? ' から始まります' : from ? ' に変わります' : ' のままです',
    `（${TCP_STATE_JA[s] ?? 'nfwalk が説明を持たないステート'}）。`,
  ],
  ctTcpInvalid: (k) => [
    `conntrack はこのセグメントを invalid とします。${TCP_INVALID_JA[k]}。パケットは conntrack のエントリを持たないまま先へ進むので `,
    c('ct state invalid'),
    ' にマッチします。接続のエントリ（あれば）は変わりません。',
  ],
  segmentsIntro: (from, to, count, stopped) => [
    c(from),
    ' と ',
    c(to),
    ` の間で TCP セグメントを ${count} 個、一つずつ送ります。前のセグメントがどうなったかに関係なく、次のセグメントが送られます。`,
    ...(stopped.length === 0
      ? ['ホストはすべてを通します。']
      : [
          'ホストは ',
          ...list(stopped.map((x) => [`${x.n} 番目のセグメント `, c(`[${x.flags.join(',')}]`)])),
          count === stopped.length ? ' を止めます。' : ' を止め、ほかは通します。',
        ]),
  ],
  tcpSegment: (flags, seq, ack, payload) => [
    'これは TCP セグメント ',
    c(`[${flags.join(',')}]`),
    ` で、シーケンス番号は ${seq}`,
    ack === undefined ? '' : `、確認応答番号は ${ack}`,
    payload > 0 ? `、${payload} バイトのデータを運びます。` : '、データは運びません。',
  ],
  ctConfirmed: (r) => [
    `パケットがホストを出るとき、conntrack は二つの変換を含むエントリを確定（confirm）します。これ以降、${r} のパケットはこの接続のレスポンスとして扱われます。`,
  ],
  natReverse: (kind, d, hook) => [
    `conntrack がリクエストの ${kind} を${hook ? ` ${hook} のhookで` : ''}元に戻します: ${fieldWord(d)} ${d.from} は ${d.to} になります。`,
  ],
  bridgeLocal: (b, port, gw) => [
    'ブリッジ ',
    c(b),
    ...(port
      ? [' がポート ', c(port), ' でフレームを受け取ります']
      : [' がフレームを受け取ります']),
    '。フレームの宛先はブリッジ自身の MAC アドレスです',
    gw ? `（送信元のゲートウェイ ${gw} はブリッジデバイスそのもの）` : '',
    '。そのためブリッジは他のポートへ転送せず、bridgeファミリの input のhookを通して、ホストの IP スタックへ渡します。',
  ],
  flowOffloaded: (ft, devs) => [
    c('flow add'),
    ' によって、この接続はflowtable ',
    c(ft),
    ' に登録されます（ソフトウェアオフロード）。これ以降、',
    ...devs.flatMap((d, i) => (i === 0 ? [c(d)] : ['、', c(d)])),
    ' から入ってくるこの接続のパケットは、flowtable の ingress のhookがそのまま転送し、prerouting・forward・postrouting のchainを通りません。このパケット自体は、残りの経路をいつもどおり進みます。',
  ],
  flowNotOffloaded: (ft, r) => [
    c(`flow add @${ft}`),
    ' はこの接続をオフロードしません: ',
    FLOW_REFUSAL_JA[r],
    'ルールはそこで終わります（後ろの文は実行されません）。',
  ],
  flowFastPath: (ft, dev, out, d) => [
    'flowtable ',
    c(ft),
    ' はこの接続を持っています。',
    c(dev),
    ' の ingress のhookが、パケットをそのまま ',
    c(out),
    ' から送り出します',
    d
      ? `（接続の NAT を適用: ${fieldWord(d)} ${d.from} は ${d.to} になります。ttl は 1 減ります）`
      : '（ttl は 1 減ります）',
    '。prerouting・forward・postrouting のhookを通らず、conntrack も参照しないので、それらのhookのchainはこのパケットを見ません。',
  ],
  glanceFlowtable: (ft, dev) => [
    'chainはありません。flowtable ',
    c(ft),
    ' が ',
    c(dev),
    ' の ingress のhookから転送し、prerouting・forward・postrouting を通りません。',
  ],
  flowTeardown: (ft) => [
    'FIN または RST でオフロードされたフローは終わります。flowtable ',
    c(ft),
    ' は接続を手放し、パケットは通常どおりhookを通ります。',
  ],
  bridgeForward: (b, i, o) => [
    'ブリッジ ',
    c(b),
    ' はフレームを',
    ...(i ? [' ', c(i), ' から'] : []),
    ...(o ? [' ', c(o), ' へ'] : []),
    ' L2 で転送します（bridgeファミリの forward のhook）。',
  ],
  bridgeOut: (b, p) => [
    'ホストはパケットをブリッジ ',
    c(b),
    ...(p ? [' のポート ', c(p), ' から'] : [' から']),
    '送り出します（bridgeファミリの output と postrouting のhook）。',
  ],
  deliver: (to, flow, socket) => [
    `${flow} が `,
    c(to),
    socket === false
      ? ' に届きますが、待ち受けているソケットはありません。'
      : socket
        ? ' に届き、待ち受けているソケットが受け取ります。'
        : ' に届きます。',
  ],
  deliverHost: (flow, iface) => [
    `${flow} はホスト自身に届きます`,
    ...(iface ? ['（', c(iface), ' に着信）'] : []),
    '。',
  ],
  droppedReject: (r) => [
    'パケットは ',
    ...cref(r),
    ' で終わります。reject がパケットを破棄し、カーネルが代わりに送信元へ応答します。',
  ],
  droppedVerdict: (r) => [
    'パケットは ',
    ...cref(r),
    ' で、何も返されずに破棄されます。送信元には何も届かず、タイムアウトを待つだけです。',
  ],
  loopedBack: (i) => ['パケットは ', c(i), ' を折り返して、ふたたびホストに着信します。'],
  icmpRedirect: (sent, rateLimited) => [
    'パケットは来たのと同じリンクから出ていくので、',
    sent
      ? 'カーネルは forward hook の前に、同じリンク上のよりよい次ホップを知らせる ICMP リダイレクトを送信元に送ります。これは独立したパケットで、後で説明します。'
      : rateLimited
        ? 'ただし ICMP エラーについての ICMP リダイレクトは送りません。'
        : 'カーネルは送信元に ICMPv6 リダイレクトも送ることがありますが、nfwalk はそれを追いません。',
    ...(rateLimited
      ? [
          'リダイレクトは送信元への ICMP レート制限（相手ごとにおよそ毎秒1通）を使い切るので、この会話では reject があっても ICMP エラーは続きません。',
        ]
      : []),
  ],
  packetIntroRedirect: () => [
    'この ICMP リダイレクトは、リクエストを転送する途中でホストのカーネル自身が送ります。次ホップへは直接届くことを送信元に知らせるためです。hookごとに追っていきます。',
  ],
  droppedNatRedirect: (hook) => [
    'このリダイレクトは NAT が書き換えた接続についてのものなので、',
    c(hook),
    ' の NAT hook が破棄します（リダイレクトに従うと、両端が変換を通らずに直接話してしまうため）。その hook より後の chain には現れません。',
  ],
  rejectAnswer: (kind, icmp) =>
    kind === 'rst'
      ? ['カーネルは TCP リセットで応答します。これがこの通信の次のパケットです。']
      : [
          `カーネルは ICMP エラー${icmp ? `（${icmp.type}、${icmp.code}）` : ''}で応答します。これがこの通信の次のパケットです。`,
        ],
  natIcmpError: (d) => [
    `conntrack はこの ICMP エラーを接続に関連する（related）ものと認識し、レスポンスと同じように変換します: ${fieldWord(d)} ${d.from} は ${d.to} になり、エラーの中に埋め込まれた元のヘッダも元に戻されます。`,
  ],
  brNetfilterHook: (b, hook) => [
    'br_netfilter により、ブリッジされたパケットは ipファミリの ',
    hook,
    ' のhookも通ります（デバイスはブリッジ ',
    c(b),
    '）。',
  ],
  bridgedAfterDnat: (b) => [
    '宛先が変わった後も新しい宛先はブリッジ ',
    c(b),
    ' の先にあるので、フレームはルーティングされずにそのポートへブリッジされます。',
  ],
  packetIntroKernel: (role) => [
    `この${roleWord[role]}は、reject されたパケットに応答して、ホストのカーネル自身が送ります。hookごとに追っていきます。`,
  ],
  dropped: (r) => ['パケットは破棄されます: ', c(r), '。'],
  droppedMartian: (m, a) => [
    c(m),
    ` は自分のアドレス ${a} から来たパケットを受け取り、ありえない送信元（martian source）として破棄します。Linux は自分のアドレスを送信元とするパケットを受け付けないので、何も返ってきません。`,
  ],
  sent: (from, iface) => [
    c(from),
    ' がパケットを',
    ...(iface ? [' ', c(iface), ' に'] : []),
    '送ります。',
  ],
  sentOut: (to, iface, flow) => [
    `ホストは ${flow} を`,
    ...(iface ? [' ', c(iface), ' から'] : []),
    ' ',
    c(to),
    ' へ送り出します。',
  ],
  answers: (m, a) =>
    [
      c(m),
      a === 'reply'
        ? ' はこのポートでソケットを開いており、レスポンスを返します。'
        : a === 'syn-ack'
          ? ' はこのポートで待ち受けており、SYN-ACK を返します。'
          : a === 'port-unreachable'
            ? ' はこのポートにソケットがないので、ICMP port unreachable を返します。'
            : a === 'rst'
              ? ' はこのポートにソケットがないので、TCP リセットを返します。'
              : [' は ', c(a), ' で応答します。'],
    ].flat() as Phrase,
  bridgeSkipPrerouting: (b) => [
    'ブリッジ ',
    c(b),
    ' から IP スタックに渡されたパケットは、ip の prerouting のhookをもう一度通ることはありません。ブリッジの prerouting の中ですでに実行されたからです。',
  ],
  unsupported: (what, chain, index, text, file, line) => [
    '追跡はここで止まります。nfwalk は ',
    c(what),
    ' をモデル化していません',
    ...(chain !== undefined
      ? [
          '（chain ',
          c(chain),
          ...(index !== undefined ? [` の ${index + 1} 番目のルール`] : []),
          '）',
        ]
      : []),
    ...(text ? [': ', c(text)] : []),
    ...(file ? [' — ', c(`${file}${line ? `:${line}` : ''}`)] : []),
    '。ルールが一致するかどうかを推測せず、こうして報告します。',
  ],
  natWithoutConntrack: (stmt) => [
    'パケットに conntrack のエントリがないので、',
    c(stmt),
    ' 文は変換を記録できず、ここでは何もしません。',
  ],
  noAnswer: (m, d) => [
    c(m),
    ` は ${d} ではないので応答しません（nfwalk はホストの隣接マシンより先へはルーティングしません）。`,
  ],
  neighbourFailure: (hop, sender) => [
    c(hop),
    ' の ARP や近隣探索に応答するマシンがないので、約 3 秒後にカーネルはあきらめて ',
    c(sender),
    ' に ICMP unreachable エラーを送ります。',
  ],
  sourceFallback: (d, s) => [
    '送信元アドレスのないパケットでは ',
    c(d),
    ' への経路がないので、カーネルはホストのアドレスから ',
    c(s),
    ' を選び、それを送信元として経路を引き直します。送信元で選ぶルールが効きます。',
  ],
  kernelUnlistedChain: (r) => [
    'カーネルは ',
    ...cref(r),
    ' をトレースしましたが、ルールセットの一覧ではベースchainになっていません。',
  ],
  noteRateAssumed: (kind, over) => [
    'nfwalk はレートを測れないので、このルールの ',
    c(kind),
    ' は超えていない（フローの最初のパケット）とみなします',
    over ? '。そのため "over" の条件は一致しません。' : '。',
  ],
  noteSysctlIgnored: (names) => [
    'シナリオは ',
    ...list(names.map((n) => [c(n)])),
    ' を設定していますが、nfwalk はこれをモデル化していないので、以下の追跡では無視します。',
  ],
  noteNatFamily: () => [
    'このNAT文はもう一方のIPファミリを指定しているので、inet テーブルではこのパケットに何もせず、ルールの評価が続きます。',
  ],
  noteRandomPort: (flags) => [
    ...list(flags.map((f) => [c(f)])),
    ' を指定するとカーネルはポートをランダムに選びます。このページでは、指定がなければ変換が保つポートを示しています。',
  ],
  hookWithoutChains: (family, hook) => [
    `パケットは ${family} ファミリの ${hook} のhookを通りますが、ルールセットにはそこのchainがないので、評価するものはありません。`,
  ],
  noteAssumption: (kind) => [
    'カーネルは ',
    c(kind),
    ' を nfwalk が知りえない値から計算します。このページは nfwalk が仮定した値に従っています。',
  ],
  noteMangle: (target, from, to) => [
    c(target),
    ` はヘッダをその場で書き換えます（${from} → ${to}）。conntrack には伝わらないので、レスポンスが逆に変換されることはありません。`,
  ],

  whyHeading: () => ['レスポンスがこの経路を通る理由'],
  qNoNat: () => ['なぜレスポンスはどの type:nat のchainも通らないのか？'],
  qRewrites: () => ['レスポンスはどう書き換えられるか'],
  qInputAndForward: (b, f) => [
    'なぜレスポンスは input のhook',
    ...(b ? ['（', ...cref(b), '）'] : []),
    'と forward のhook',
    ...(f ? ['（', ...cref(f), '）'] : []),
    'を同時に通っているのか？',
  ],
  qBridgeNotIpInput: (b, bp, i, ip) => [
    ...cref(b),
    `（input、priority ${bp}）には入るのに、`,
    ...cref(i),
    `（input、priority ${ip}）には入らないのはなぜか？ L2 のブリッジと L3 の IP で違う処理をしているのか？`,
  ],
  natRecap: (kind, hook, d) => [c(kind), `（${hook}、${fieldWord(d)} ${d.from} → ${d.to}）`],
  whyNoNat: (skipped, req) => [
    'nat のchainが参照されるのは、接続の最初のパケット、つまり conntrack のエントリを作るパケットだけだからです。この接続ではリクエストがそのパケットで、nat のchainで ',
    ...list(req),
    ' が設定されました。',
    req.length === 2
      ? 'conntrack はこの二つの変換をエントリに記録しています。'
      : 'conntrack はこの変換をエントリに記録しています。',
    'レスポンスはエントリの応答方向に一致するので、conntrack 自身が逆向きに書き換えます',
    ...(skipped.length > 0 ? ['。そのため ', ...list(skipped.map(cref)), ' は飛ばされます'] : []),
    '。',
  ],
  whyUndo: (d, hook, sb, sa) => [
    `${hook} のhookで、conntrack がレスポンスを書き換えます: ${fieldWord(d)} ${d.from} は ${d.to} になります`,
    ...(hook === 'prerouting'
      ? ['。これは nat のhookの位置（priority -100、dstnat）で行われます']
      : hook === 'postrouting'
        ? ['。これは nat のhookの位置（priority 100、srcnat）で行われます']
        : []),
    ...(sb
      ? [
          '。それより前に実行される ',
          ...cref(sb.chain),
          `（priority ${sb.priority}）は ${d.from} を見ます`,
        ]
      : []),
    ...(sa
      ? [
          '。その後に実行される ',
          ...cref(sa.chain),
          `（priority ${sa.priority}）は ${d.to} を見ます`,
        ]
      : []),
    ...(sa &&
    sb &&
    sa.chain.family !== sb.chain.family &&
    (sa.chain.family === 'bridge' || sb.chain.family === 'bridge')
      ? [
          '。ファミリが違えば priority の数値は比べられません。br_netfilter では ipファミリの prerouting のhookがブリッジの prerouting の中で実行され、ブリッジの input のhookより先に来ます',
        ]
      : []),
    '。',
  ],
  whyClientSees: (flow, addr) => [
    `クライアントが受け取るのは ${flow} です。レスポンスはリクエストを送った先の ${addr} から来るので、クライアントから見るとホストとの一つの通信になっています。`,
  ],
  whyBridgeLocal: (b, port, gw, sender) => [
    'ブリッジの input のhookと、IP スタックの input のhookは、別の層にある別のhookです。',
    ...(sender ? [c(sender)] : ['送信元']),
    ' はレスポンスをゲートウェイ',
    gw ? ` ${gw}` : '',
    ' に送りますが、これはブリッジデバイス ',
    c(b),
    ' 自身です。そのためイーサネットフレームの宛先はブリッジ自身の MAC アドレスで',
    ...(port ? ['、ブリッジのポート ', c(port), ' に着信します'] : []),
    '。ブリッジにとって「input」は「このフレームは他のポートではなく自分宛て」という意味で、フレームは bridgeファミリの input のhookを通り、ホストの IP スタックに渡されます。ブリッジの input が意味するのはそれだけで、IP パケットの行き先を決めるのはブリッジではなくルーティングです。',
  ],
  whyForwardNotInput: (d, oif) => [
    `その後 IP スタックが自分で routing decision を行います。このときには conntrack が（prerouting で）宛先を ${d} に戻しており、これはホストのアドレスではないので、パケットは `,
    c(oif),
    ' へ転送されます。ipファミリの forward、そして postrouting のhookです。ipファミリの input のhookはホスト宛てのパケットだけが通るので、レスポンスがそこに来ることはありません。ローカルプロセスも通りません。パケットはブリッジから直接ルーティングへ、そして forward へ進みます。',
  ],
  whyLayers: (bp, ip, inputs) => [
    `そのとおりです。priority ${bp} と ${ip} はファミリをまたいで比べるものではありません。hookはファミリごとにあり、priority は一つのhookの中でchainの順番を決めるだけです。bridgeファミリの input を通るのはフレームがブリッジ宛てだったから（L2）で、`,
    ...list(inputs.map(cref)),
    ' は ipファミリの input のhook、つまりホスト自身にルーティングされたパケットだけが通るhook（L3）にあり、このレスポンスは先へルーティングされます。',
  ],

  dgRouting: () => ['routing decision'],
  dgRoute: (d, oif) => [
    `routing decision: ${d === 'local' ? '自ホスト宛て' : d === 'forward' ? '転送' : d === 'none' ? '経路なし' : d}${oif ? `（${oif}）` : ''}`,
  ],
  dgLocalProcess: () => ['ローカルプロセス'],
  dgNoChain: (chains) => [`chainに入らない（${chains.join(', ')} は飛ばされる）`],
  dgDelivered: (to) => [`${to} に届く`],
  dgLeaves: (to) => [`ホストから ${to} へ`],
  dgDropped: () => ['破棄'],
  dgRejected: () => ['拒否'],
  dgUnsupported: () => ['モデル化されていない: 追跡終了'],
  dgConntrack: () => ['conntrack'],
  dgUndo: (k) => [`conntrack が ${k} を戻す`],
  dgField: (f) => [f === 'both' ? 'パケット' : f === 'source' ? '送信元' : '宛先'],
  dgL3: () => ['IP 層: ip, ip6, inet ファミリ'],
  dgL2: () => ['bridge ファミリ: L2'],
  dgUpToIp: () => ['IP スタックへ'],
  dgDownToBridge: () => ['ブリッジから送出'],
  glanceIntro: (role, flow) => [`${roleWord[role]}（${flow}）がhookごとにたどる経路の要約です。`],
  colHook: () => ['hook'],
  colChains: () => ['入ったchain → 判定'],
  colSeen: () => ['chainから見た通信'],
  colCtNat: () => ['conntrack / NAT'],
  glanceNoChain: () => ['入ったchainなし'],
  glanceCt: (state) => [`conntrack: ${state}`],
  whyLinks: () => ['レスポンスがこの経路を通る理由:'],
  conversationWord: (n) => `通信 ${n}`,
};
