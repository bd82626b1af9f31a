import {
  DeleteCommand, GetCommand, PutCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { Incident, IncidentState, IncidentTimelineEntry } from '@flowguard/contracts';
import {
  appendCapped, applyAttach, applyPatch, clampLimit, cloneRecord, ConflictError, normalizeEntry, NotFoundError,
  prepareNewIncident, StorageLimits, validateAnomalyId, type IncidentPatch, type IncidentQuery, type IncidentRepository,
  type Page, type WriteOptions,
} from '@flowguard/persistence';
import { cancellationCodes, isConditionalCheckFailed, isTransactionCanceled } from './dynamo-errors';
import { queryPage, queryShardedPage, shardOf, type IndexSpec, type Item, type PartitionQuery } from './dynamo-query';
import { IncidentTable } from './dynamo-tables';

export interface DynamoIncidentRepositoryOptions {
  readonly tableName: string;
  readonly timelineCap?: number;
  /** partitions of the list-all index (default 1: incidents are few; see docs/storage-dynamodb.md) */
  readonly listShards?: number;
  /** TTL for Closed incidents, counted from the close; unset keeps them forever */
  readonly closedRetentionDays?: number;
  /** attempts when a write races another writer before giving up with ConflictError */
  readonly maxAttempts?: number;
}

const KIND_INCIDENT = 'incident';
const KIND_LINK = 'anomaly-link';
const INTERNAL = [IncidentTable.key, IncidentTable.kind, IncidentTable.allKey, IncidentTable.ttl] as const;
const BY_STATE: IndexSpec = { indexName: IncidentTable.byState, tableKey: IncidentTable.key, hashAttr: 'state', rangeAttr: 'updatedAt' };
const BY_CREATED: IndexSpec = { indexName: IncidentTable.byCreated, tableKey: IncidentTable.key, hashAttr: IncidentTable.allKey, rangeAttr: 'createdAt' };

const linkKey = (anomalyId: string) => ({ [IncidentTable.key]: `${IncidentTable.linkPrefix}${anomalyId}` });
const pause = (attempt: number) => new Promise((r) => setTimeout(r, 5 * 2 ** attempt + Math.random() * 10));

/**
 * Incidents in DynamoDB. One table, two item kinds: the incident (pk =
 * incidentId) and one link item per anomaly (pk = "anomaly#<id>") written in
 * the same transaction, so create is atomic and "one anomaly, one incident"
 * is enforced by conditions rather than by reads.
 */
export class DynamoIncidentRepository implements IncidentRepository {
  private readonly cap: number;
  private readonly shards: string[];
  private readonly attempts: number;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly options: DynamoIncidentRepositoryOptions,
  ) {
    this.cap = Math.max(2, options.timelineCap ?? StorageLimits.timelineCap);
    const n = Math.max(1, Math.floor(options.listShards ?? 1));
    this.shards = Array.from({ length: n }, (_, i) => `I#${i}`);
    this.attempts = Math.max(1, options.maxAttempts ?? 6);
  }

  async create(incident: Incident): Promise<{ readonly created: boolean; readonly incident: Incident }> {
    const inc = cloneRecord(prepareNewIncident(incident, this.cap));
    for (let attempt = 0; attempt < this.attempts; attempt++) {
      try {
        await this.doc.send(new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: this.table, Item: this.toItem(inc, this.expiryAtCreate(inc)), ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': IncidentTable.key } } },
            ...inc.anomalyIds.map((a) => ({
              Put: {
                TableName: this.table,
                Item: { ...linkKey(a), [IncidentTable.kind]: KIND_LINK, incidentId: inc.incidentId, linkedAt: inc.createdAt },
                ConditionExpression: 'attribute_not_exists(#pk)',
                ExpressionAttributeNames: { '#pk': IncidentTable.key },
              },
            })),
          ],
        }));
        return { created: true, incident: inc };
      } catch (e) {
        if (!isTransactionCanceled(e)) throw e;
        const codes = cancellationCodes(e);
        if (codes[0] === 'ConditionalCheckFailed') {
          const stored = await this.get(inc.incidentId);
          if (stored) return { created: false, incident: stored };
          continue;
        }
        const taken = inc.anomalyIds.filter((_, i) => codes[i + 1] === 'ConditionalCheckFailed');
        if (taken.length > 0) await this.releaseStaleLinksOrThrow(taken);
        else await pause(attempt); // TransactionConflict with a concurrent writer: try again
      }
    }
    throw new ConflictError(`create of ${inc.incidentId} kept racing other writers`);
  }

  async get(incidentId: string): Promise<Incident | null> {
    const raw = await this.getRaw(incidentId);
    return raw ? toIncident(raw) : null;
  }

  transition(
    incidentId: string, from: IncidentState, to: IncidentState, entry: IncidentTimelineEntry, options: WriteOptions = {},
  ): Promise<Incident> {
    return this.appendEntry(incidentId, normalizeEntry(entry), options, { from, to });
  }

  appendTimeline(incidentId: string, entry: IncidentTimelineEntry, options: WriteOptions = {}): Promise<Incident> {
    return this.appendEntry(incidentId, normalizeEntry(entry), options, undefined);
  }

  async update(incidentId: string, patch: IncidentPatch, entry: IncidentTimelineEntry, options: WriteOptions = {}): Promise<Incident> {
    normalizeEntry(entry);
    for (let attempt = 0; attempt < this.attempts; attempt++) {
      const raw = await this.mustGetRaw(incidentId);
      const cur = toIncident(raw);
      checkVersion(cur, options);
      const next = applyPatch(cur, patch, entry, this.cap);
      if (await this.putIfVersion(next, cur.version, raw[IncidentTable.ttl])) return next;
      await pause(attempt);
    }
    throw new ConflictError(`update of ${incidentId} kept racing other writers`);
  }

  async attachAnomaly(
    incidentId: string, anomalyId: string, entry: IncidentTimelineEntry,
  ): Promise<{ readonly attached: boolean; readonly incident: Incident }> {
    validateAnomalyId(anomalyId);
    const e = normalizeEntry(entry);
    for (let attempt = 0; attempt < this.attempts; attempt++) {
      const raw = await this.mustGetRaw(incidentId);
      const cur = toIncident(raw);
      const owner = await this.linkOwner(anomalyId);
      if (owner === incidentId) return { attached: false, incident: cur };
      if (owner !== undefined) {
        await this.releaseStaleLinksOrThrow([anomalyId]);
        continue;
      }
      const next = applyAttach(cur, anomalyId, e, this.cap);
      try {
        await this.doc.send(new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: this.table, Item: this.toItem(next, raw[IncidentTable.ttl]), ...this.versionCondition(cur.version) } },
            {
              Put: {
                TableName: this.table,
                Item: { ...linkKey(anomalyId), [IncidentTable.kind]: KIND_LINK, incidentId, linkedAt: e.at },
                ConditionExpression: 'attribute_not_exists(#pk)',
                ExpressionAttributeNames: { '#pk': IncidentTable.key },
              },
            },
          ],
        }));
        return { attached: true, incident: next };
      } catch (err) {
        if (!isTransactionCanceled(err)) throw err;
        await pause(attempt); // the incident moved or the anomaly got linked meanwhile: look again
      }
    }
    throw new ConflictError(`attaching ${anomalyId} to ${incidentId} kept racing other writers`);
  }

  async list(query: IncidentQuery): Promise<Page<Incident>> {
    const limit = clampLimit(query.limit);
    const filtered = query.severity !== undefined;
    const base = (index: IndexSpec, hash: string): PartitionQuery => ({
      TableName: this.table,
      IndexName: index.indexName,
      KeyConditionExpression: '#h = :h',
      ExpressionAttributeNames: { '#h': index.hashAttr, ...(filtered ? { '#sev': 'severity' } : {}) },
      ExpressionAttributeValues: { ':h': hash, ...(filtered ? { ':sev': query.severity } : {}) },
      ...(filtered ? { FilterExpression: '#sev = :sev' } : {}),
    });
    const page = query.state !== undefined
      ? await queryPage(this.doc, BY_STATE, base(BY_STATE, query.state), query.state, query.cursor, limit, filtered)
      : await queryShardedPage(this.doc, BY_CREATED, (s) => base(BY_CREATED, s), this.shards, query.cursor, limit, filtered);
    return { items: page.items.map(toIncident), ...(page.cursor ? { cursor: page.cursor } : {}) };
  }

  async findByAnomaly(anomalyId: string): Promise<Incident | null> {
    const owner = await this.linkOwner(anomalyId);
    // the incident may have expired (closed-incident TTL) while its link item remains
    return owner === undefined ? null : this.get(owner);
  }

  private get table(): string {
    return this.options.tableName;
  }

  /**
   * Fast path: one conditional UpdateItem with list_append. The condition also
   * holds the timeline under the cap; at the cap the entry is added by a
   * read-modify-write that trims (same rule as the embedded store).
   */
  private async appendEntry(
    incidentId: string, e: IncidentTimelineEntry, options: WriteOptions, move: { from: IncidentState; to: IncidentState } | undefined,
  ): Promise<Incident> {
    const names: Record<string, string> = { '#pk': IncidentTable.key, '#tl': 'timeline', '#v': 'version', '#u': 'updatedAt' };
    const values: Record<string, unknown> = { ':e': [e], ':cap': this.cap, ':one': 1, ':at': e.at };
    const cond = ['attribute_exists(#pk)', 'size(#tl) < :cap'];
    const set = ['#tl = list_append(#tl, :e)', '#v = #v + :one', '#u = :at'];
    let remove = '';
    if (move) {
      names['#s'] = 'state';
      values[':from'] = move.from;
      values[':to'] = move.to;
      cond.push('#s = :from');
      set.push('#s = :to');
      if (this.options.closedRetentionDays !== undefined) {
        names['#x'] = IncidentTable.ttl;
        if (move.to === 'Closed') {
          set.push('#x = :exp');
          values[':exp'] = this.closedExpiry(e.at);
        } else {
          remove = ' REMOVE #x';
        }
      }
    }
    if (options.expectedVersion !== undefined) {
      cond.push('#v = :ev');
      values[':ev'] = options.expectedVersion;
    }
    for (let attempt = 0; attempt < this.attempts; attempt++) {
      try {
        const out = await this.doc.send(new UpdateCommand({
          TableName: this.table,
          Key: { [IncidentTable.key]: incidentId },
          UpdateExpression: `SET ${set.join(', ')}${remove}`,
          ConditionExpression: cond.join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }));
        return toIncident(out.Attributes as Item);
      } catch (err) {
        if (!isConditionalCheckFailed(err)) throw err;
      }
      // find out which condition failed
      const raw = await this.mustGetRaw(incidentId);
      const cur = toIncident(raw);
      if (move && cur.state !== move.from) throw new ConflictError(`incident ${incidentId} is ${cur.state}, not ${move.from}`);
      checkVersion(cur, options);
      if (cur.timeline.length >= this.cap) {
        const next: Incident = {
          ...cur, state: move ? move.to : cur.state, timeline: appendCapped(cur.timeline, e, this.cap), updatedAt: e.at, version: cur.version + 1,
        };
        let ttl = raw[IncidentTable.ttl];
        if (move && this.options.closedRetentionDays !== undefined) ttl = move.to === 'Closed' ? this.closedExpiry(e.at) : undefined;
        if (await this.putIfVersion(next, cur.version, ttl)) return next;
      }
      await pause(attempt); // another writer got in between the update and the read
    }
    throw new ConflictError(`write to ${incidentId} kept racing other writers`);
  }

  /** an incident created already Closed (imports, tests) expires like one closed now */
  private expiryAtCreate(inc: Incident): number | undefined {
    return inc.state === 'Closed' && this.options.closedRetentionDays !== undefined ? this.closedExpiry(inc.updatedAt) : undefined;
  }

  private closedExpiry(atMs: number): number {
    return Math.floor(atMs / 1000) + Math.round((this.options.closedRetentionDays ?? 0) * 86_400);
  }

  private toItem(inc: Incident, ttl: unknown): Item {
    return {
      ...inc,
      [IncidentTable.key]: inc.incidentId,
      [IncidentTable.kind]: KIND_INCIDENT,
      [IncidentTable.allKey]: this.shards[shardOf(inc.incidentId, this.shards.length)],
      ...(typeof ttl === 'number' ? { [IncidentTable.ttl]: ttl } : {}),
    };
  }

  private versionCondition(version: number) {
    return { ConditionExpression: '#v = :v', ExpressionAttributeNames: { '#v': 'version' }, ExpressionAttributeValues: { ':v': version } };
  }

  /** Whole-item write guarded by the version read before; false when someone else wrote first. */
  private async putIfVersion(next: Incident, readVersion: number, ttl: unknown): Promise<boolean> {
    try {
      await this.doc.send(new PutCommand({ TableName: this.table, Item: this.toItem(next, ttl), ...this.versionCondition(readVersion) }));
      return true;
    } catch (e) {
      if (isConditionalCheckFailed(e)) return false;
      throw e;
    }
  }

  private async getRaw(incidentId: string): Promise<Item | null> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: { [IncidentTable.key]: incidentId }, ConsistentRead: true }));
    return out.Item && out.Item[IncidentTable.kind] === KIND_INCIDENT ? out.Item : null;
  }

  private async mustGetRaw(incidentId: string): Promise<Item> {
    const raw = await this.getRaw(incidentId);
    if (!raw) throw new NotFoundError(`incident ${incidentId} not found`);
    return raw;
  }

  private async linkOwner(anomalyId: string): Promise<string | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: linkKey(anomalyId), ConsistentRead: true }));
    const owner = out.Item?.['incidentId'];
    return typeof owner === 'string' ? owner : undefined;
  }

  /**
   * A link whose incident is gone (expired by TTL) must not block the anomaly
   * forever: remove it if it still points there. A live owner is a conflict.
   */
  private async releaseStaleLinksOrThrow(anomalyIds: readonly string[]): Promise<void> {
    for (const a of anomalyIds) {
      const owner = await this.linkOwner(a);
      if (owner === undefined) continue;
      if (await this.getRaw(owner)) throw new ConflictError(`anomaly ${a} already belongs to incident ${owner}`);
      try {
        await this.doc.send(new DeleteCommand({
          TableName: this.table, Key: linkKey(a), ConditionExpression: 'incidentId = :o', ExpressionAttributeValues: { ':o': owner },
        }));
      } catch (e) {
        if (!isConditionalCheckFailed(e)) throw e;
      }
    }
  }
}

function checkVersion(cur: Incident, options: WriteOptions): void {
  if (options.expectedVersion !== undefined && cur.version !== options.expectedVersion) {
    throw new ConflictError(`incident ${cur.incidentId} is at version ${cur.version}, not ${options.expectedVersion}`);
  }
}

function toIncident(item: Item): Incident {
  const copy: Item = { ...item };
  for (const k of INTERNAL) delete copy[k];
  return copy as unknown as Incident;
}
