// Writes libs/flowlog/src/testing/fixtures/flows-v5.zstd.parquet with DuckDB: a
// ZSTD-compressed Parquet file in the AWS layout (underscore column names,
// INT32/INT64/STRING types), used by the flowlog Parquet spec. Node's zlib
// has no ZSTD encoder, so the fixture is committed instead of built in-test.
// Run: node bench/parser/make-parquet-fixture.mjs
import { DuckDBInstance } from '@duckdb/node-api';

const out = 'libs/flowlog/src/testing/fixtures/flows-v5.zstd.parquet';
const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
await con.run(`
  CREATE TABLE f AS SELECT * FROM (VALUES
    (5, '123456789012', 'eni-0a1', '10.0.0.1', '198.51.100.7', 443, 50001, 6, 10::BIGINT, 8400::BIGINT, 1700000000::BIGINT, 1700000060::BIGINT, 'ACCEPT', 'OK', 'vpc-1', 18, 'egress', 2, 'S3'),
    (5, '123456789012', 'eni-0a1', '2001:db8::5', '2001:db8::6', 22, 40000, 6, 3, 180, 1700000001, 1700000061, 'REJECT', 'OK', 'vpc-1', 2, 'ingress', NULL, NULL),
    (5, '123456789012', 'eni-0a2', NULL, NULL, NULL, NULL, NULL, NULL, NULL, 1700000000, 1700000060, NULL, 'NODATA', 'vpc-1', NULL, NULL, NULL, NULL),
    (5, '123456789012', 'eni-0a3', '10.0.0.9', 'not-an-ip', 53, 53, 17, 1, 76, 1700000002, 1700000062, 'ACCEPT', 'OK', 'vpc-2', 0, 'egress', 1, NULL)
  ) AS t(version, account_id, interface_id, srcaddr, dstaddr, srcport, dstport, protocol, packets, bytes, start, "end", action, log_status, vpc_id, tcp_flags, flow_direction, traffic_path, pkt_dst_aws_service)`);
await con.run(`COPY f TO '${out}' (FORMAT parquet, COMPRESSION zstd)`);
const r = await con.runAndReadAll(`SELECT count(*) FROM '${out}'`);
console.log(out, String(r.getRows()[0][0]), 'rows');
