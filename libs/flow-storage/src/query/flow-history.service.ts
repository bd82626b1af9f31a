/**
 * Framework-free entry point of the historical flow query. The Nest ingest
 * service exposes it as `GET /v1/flows/history?ip=&cidr=&port=&eni=&action=&from=&to=&limit=&cursor=`
 * (map FlowQueryError to 400 with `issues`).
 */
import { parseFlowQueryParams, validateFlowQuery, type FlowPage, type FlowQuery, type FlowQueryLimits, type ValidatedFlowQuery } from './flow-query';

/** A store that can answer a validated query (OpenSearch, or Parquet files in embedded mode). */
export interface FlowHistoryBackend {
  readonly name: string;
  search(query: ValidatedFlowQuery): Promise<FlowPage>;
}

export class FlowHistoryService {
  constructor(
    private readonly backend: FlowHistoryBackend,
    private readonly limits: FlowQueryLimits = {},
  ) {}

  get backendName(): string {
    return this.backend.name;
  }

  /** Validate (throws FlowQueryError) and run a typed query. */
  async query(query: FlowQuery): Promise<FlowPage> {
    return this.backend.search(validateFlowQuery(query, this.limits));
  }

  /** Validate (throws FlowQueryError) and run a query given as HTTP query-string parameters. */
  async queryParams(params: Record<string, string | string[] | undefined>): Promise<FlowPage> {
    return this.backend.search(parseFlowQueryParams(params, this.limits));
  }
}
