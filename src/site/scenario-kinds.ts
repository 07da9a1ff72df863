/**
 * The scenario index's groups: the seed article's scenario first, then the gallery by what it
 * is about — Docker and other containers, firewalld, Kubernetes, routers, hosts — read from the
 * scenario's file name (the gallery names its files for their subject).
 */
import type { Lang } from '../scenario/model.ts';

export type ScenarioKind = 'seed' | 'kubernetes' | 'firewalld' | 'docker' | 'routers' | 'hosts';

/** The groups in the order the index shows them. */
export const KIND_ORDER: readonly ScenarioKind[] = [
  'seed',
  'docker',
  'firewalld',
  'kubernetes',
  'routers',
  'hosts',
];

/** First match wins: a Docker host under firewalld is about firewalld meeting Docker. */
const RULES: readonly [RegExp, ScenarioKind][] = [
  [/^seed-/, 'seed'],
  [/kube/, 'kubernetes'],
  [/firewalld/, 'firewalld'],
  [/docker|podman|cni/, 'docker'],
  [/router|openwrt|forward|libvirt/, 'routers'],
];

/** The group of the scenario whose page is at `slug`. */
export function scenarioKind(slug: string): ScenarioKind {
  return RULES.find(([re]) => re.test(slug))?.[1] ?? 'hosts';
}

export const KIND_TITLES: Readonly<Record<Lang, Readonly<Record<ScenarioKind, string>>>> = {
  en: {
    seed: 'The seed article: Docker and firewalld on CentOS 8',
    docker: 'Docker, Podman and container networks',
    firewalld: 'firewalld',
    kubernetes: 'Kubernetes',
    routers: 'Routers and virtual machine hosts',
    hosts: 'Host firewalls and building blocks',
  },
  ja: {
    seed: '出発点の記事: CentOS 8 の Docker と firewalld',
    docker: 'Docker、Podman とコンテナのネットワーク',
    firewalld: 'firewalld',
    kubernetes: 'Kubernetes',
    routers: 'ルーターと仮想マシンのホスト',
    hosts: 'ホストのファイアウォールと基本要素',
  },
};

/** `items` grouped by kind, in KIND_ORDER, each group in the order given; empty groups left out. */
export function groupByKind<T extends { slug: string }>(
  items: readonly T[],
): { kind: ScenarioKind; items: T[] }[] {
  return KIND_ORDER.map((kind) => ({
    kind,
    items: items.filter((i) => scenarioKind(i.slug) === kind),
  })).filter((g) => g.items.length > 0);
}
