export * from './parse-result';
export * from './fields/field-registry';
export { DEFAULT_FORMAT, FormatError, compileFormat, compileFields, parseHeaderLine } from './format/flow-log-format';
export type { CompiledFormat } from './format/flow-log-format';
export { FlowLogParser, parseFlowLogText, DEFAULT_BATCH_SIZE, DEFAULT_MAX_LINE_BYTES } from './parser/flow-log.parser';
export type { ParseOptions } from './parser/flow-log.parser';
export { isIPString, isIPBytes } from './parser/ip-address.validator';
