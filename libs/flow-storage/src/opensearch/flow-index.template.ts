/**
 * OpenSearch layout for stored flows: one index per UTC day
 * (`flowguard-flows-YYYY.MM.DD`, from each row's start) created from an index
 * template that also puts every daily index behind the read alias
 * `flowguard-flows`. Daily indices make retention a cheap whole-index delete
 * (ISM on clusters that have the plugin, a timer otherwise; ADR 0016).
 */

export const DEFAULT_INDEX_PREFIX = 'flowguard-flows';

export interface FlowIndexTemplateOptions {
  /** index name prefix; also the alias name (default flowguard-flows) */
  prefix?: string;
  shards?: number;
  /** default 1; 0 on a single-node development cluster keeps it green */
  replicas?: number;
  /** default 5s: flows are evidence, seconds of search lag are fine and indexing is cheaper */
  refreshInterval?: string;
}

const ip = { type: 'ip' } as const;
const keyword = { type: 'keyword', ignore_above: 1024 } as const;
const integer = { type: 'integer' } as const;
const long = { type: 'long' } as const;
const epochSecond = { type: 'date', format: 'epoch_second' } as const;

/** Field mappings: addresses as `ip` (CIDR term queries), ids/enums as keyword, times as epoch seconds. */
export const FLOW_MAPPINGS = {
  dynamic: true,
  // unknown text fields (new flow-log versions, ecs-*, tags) are kept and searchable, never analysed
  dynamic_templates: [
    { addresses: { match_mapping_type: 'string', match_pattern: 'regex', match: '^pkt_(src|dst)addr$', mapping: ip } },
    { strings_as_keyword: { match_mapping_type: 'string', mapping: keyword } },
  ],
  properties: {
    flow_id: { type: 'keyword' },
    version: integer,
    account_id: keyword,
    interface_id: keyword,
    srcaddr: ip,
    dstaddr: ip,
    pkt_srcaddr: ip,
    pkt_dstaddr: ip,
    srcport: integer,
    dstport: integer,
    protocol: integer,
    packets: long,
    bytes: long,
    start: epochSecond,
    end: epochSecond,
    action: keyword,
    log_status: keyword,
    tcp_flags: integer,
    flow_direction: keyword,
    traffic_path: integer,
    flowguard_marks: integer,
    region: keyword,
    vpc_id: keyword,
    subnet_id: keyword,
    instance_id: keyword,
    az_id: keyword,
    type: keyword,
    pkt_src_aws_service: keyword,
    pkt_dst_aws_service: keyword,
  },
} as const;

export function flowIndexTemplate(o: FlowIndexTemplateOptions = {}) {
  const prefix = o.prefix ?? DEFAULT_INDEX_PREFIX;
  return {
    index_patterns: [`${prefix}-*`],
    priority: 100,
    _meta: { owner: 'flowguard flow-storage', version: 1 },
    template: {
      settings: {
        number_of_shards: o.shards ?? 1,
        number_of_replicas: o.replicas ?? 1,
        refresh_interval: o.refreshInterval ?? '5s',
        'index.codec': 'best_compression',
        // stored flows are sorted newest first on every query
        'index.sort.field': ['start'],
        'index.sort.order': ['desc'],
      },
      mappings: FLOW_MAPPINGS,
      aliases: { [prefix]: {} },
    },
  };
}

/**
 * Index State Management policy: delete daily indices `days` after creation.
 * Only clusters with the ISM plugin accept it (the minimal distribution the
 * integration tests run has none; see OpenSearchRetention).
 */
export function flowIsmPolicy(days: number, prefix = DEFAULT_INDEX_PREFIX) {
  return {
    policy: {
      description: `flowguard: delete flow indices after ${days} days`,
      default_state: 'hot',
      states: [
        { name: 'hot', actions: [], transitions: [{ state_name: 'delete', conditions: { min_index_age: `${days}d` } }] },
        { name: 'delete', actions: [{ delete: {} }], transitions: [] },
      ],
      ism_template: [{ index_patterns: [`${prefix}-*`], priority: 100 }],
    },
  };
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

/** `flowguard-flows-YYYY.MM.DD` of a Unix-seconds time (UTC). */
export function dailyIndexName(epochSeconds: number, prefix = DEFAULT_INDEX_PREFIX): string {
  const d = new Date(epochSeconds * 1000);
  return `${prefix}-${d.getUTCFullYear()}.${pad2(d.getUTCMonth() + 1)}.${pad2(d.getUTCDate())}`;
}

/** The YYYY-MM-DD day of a daily index name, or undefined for any other index. */
export function dailyIndexDate(index: string, prefix = DEFAULT_INDEX_PREFIX): string | undefined {
  const m = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(\\d{4})\\.(\\d{2})\\.(\\d{2})$`).exec(index);
  if (!m) return undefined;
  const date = `${m[1]}-${m[2]}-${m[3]}`;
  const t = Date.parse(`${date}T00:00:00Z`);
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === date ? date : undefined;
}

/** Daily index names covering [from, to) (Unix seconds), oldest first. */
export function dailyIndicesBetween(from: number, to: number, prefix = DEFAULT_INDEX_PREFIX): string[] {
  const out: string[] = [];
  const last = Math.max(from, to - 1);
  for (let day = Math.floor(from / 86400); day <= Math.floor(last / 86400); day++) out.push(dailyIndexName(day * 86400, prefix));
  return out;
}
