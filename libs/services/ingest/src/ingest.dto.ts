import { IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

/** `${field}` tokens separated by single spaces, as in a flow log's LogFormat. */
const FORMAT = /^\$\{[a-z0-9-]+\}( \$\{[a-z0-9-]+\})*$/;
const FORMAT_MESSAGE = 'format must be ${field} tokens separated by single spaces, e.g. ${version} ${srcaddr} ${dstaddr}';

/** Query of `POST /v1/flows`. */
export class PostFlowsQuery {
  /** custom format for lines without a header line; a header line in the body wins */
  @IsOptional() @IsString() @MaxLength(4000) @Matches(FORMAT, { message: FORMAT_MESSAGE })
  format?: string;
}

/** Body of `POST /v1/flows/file`. */
export class PostFlowsFileBody {
  /** a path on the ingest host, inside one of INGEST_FILE_ROOTS */
  @IsString() @IsNotEmpty() @MaxLength(4096)
  path!: string;

  @IsOptional() @IsString() @MaxLength(4000) @Matches(FORMAT, { message: FORMAT_MESSAGE })
  format?: string;
}

/** What an ingest request did with its input. */
export interface IngestResult {
  readonly requestId: string;
  /** lines read, header and bad lines included */
  readonly lines: number;
  /** flow records parsed (NODATA/SKIPDATA rows included) and handed to the pipeline */
  readonly records: number;
  readonly headers: number;
  /** bad lines by reason */
  readonly rejected: Record<string, number>;
  /** bad lines written to the dead-letter topic (at most INGEST_MAX_DEAD_LETTERS_PER_REQUEST) */
  readonly deadLettered: number;
  /** records published to flows.enriched for detection (after the tier-1 filter) */
  readonly detection: number;
  /** records the tier-1 filter removed from detection (`records - detection`; allow-list, AWS endpoints, health checks in drop mode) */
  readonly dropped: number;
  /** FlowBatch messages published */
  readonly batches: number;
}
