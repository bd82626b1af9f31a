/**
 * The OpenSearch client of flow storage, for the three ways a cluster is
 * reached: open (a local or VPC-internal cluster), HTTP basic auth (the
 * security plugin's internal users), and AWS Signature V4 (Amazon OpenSearch
 * Service `es`, or OpenSearch Serverless `aoss`, with IAM). SigV4 uses the
 * client's own signer (`@opensearch-project/opensearch/aws-v3`) with
 * credentials from the AWS default chain (environment, ECS task role, IMDS,
 * profile), refreshed before they expire; tests pass static ones.
 */
import { Client } from '@opensearch-project/opensearch';

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

export interface OpenSearchConnection {
  readonly url: string;
  readonly auth?: { readonly username: string; readonly password: string };
  /** sign every request with SigV4 for this region and service (`es`: managed domains, `aoss`: Serverless) */
  readonly sigv4?: { readonly region: string; readonly service: 'es' | 'aoss' };
}

export interface OpenSearchClientOptions {
  /** SigV4 credentials; default: the AWS SDK's default provider chain */
  readonly getCredentials?: () => Promise<AwsCredentials>;
  /** per-request timeout, ms (default 30,000) */
  readonly requestTimeoutMs?: number;
}

export async function createOpenSearchClient(c: OpenSearchConnection, o: OpenSearchClientOptions = {}): Promise<Client> {
  if (c.auth && c.sigv4) throw new Error('OpenSearch: basic auth and SigV4 exclude each other');
  const base = { node: c.url, requestTimeout: o.requestTimeoutMs ?? 30_000 };
  if (!c.sigv4) return new Client({ ...base, ...(c.auth ? { auth: c.auth } : {}) });
  const { AwsSigv4Signer } = await import('@opensearch-project/opensearch/aws-v3');
  const getCredentials = o.getCredentials ?? (await defaultChain());
  return new Client({
    ...AwsSigv4Signer({ region: c.sigv4.region, service: c.sigv4.service, getCredentials }),
    ...base,
  });
}

async function defaultChain(): Promise<() => Promise<AwsCredentials>> {
  const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
  const provider = defaultProvider();
  return () => provider();
}
