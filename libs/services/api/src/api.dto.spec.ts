import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { AnomalyIdParam, IncidentIdParam, ListAnomaliesQuery, ListIncidentsQuery } from './api.dto';

/** The same options as the global pipe (strictValidationPipe). */
function errors<T extends object>(cls: new () => T, plain: Record<string, unknown>): string[] {
  const instance = plainToInstance(cls, plain);
  return validateSync(instance, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true })
    .flatMap((e) => Object.values(e.constraints ?? {}));
}

describe('API DTOs', () => {
  it('accepts valid incident filters and converts the limit', () => {
    expect(errors(ListIncidentsQuery, { state: 'Investigating', severity: 'high', limit: '20', cursor: 'eyJzIjoxfQ' })).toEqual([]);
    expect(plainToInstance(ListIncidentsQuery, { limit: '20' }).limit).toBe(20);
  });

  it('rejects unknown states and severities, out-of-range limits, foreign cursors and extra fields', () => {
    const e = errors(ListIncidentsQuery, { state: 'Open', severity: 'urgent', limit: '0', cursor: '../../etc', sort: 'x' });
    expect(e).toEqual(expect.arrayContaining([
      expect.stringMatching(/state must be one of the following values: New, Investigating, Contained, Resolved, Closed/),
      expect.stringMatching(/severity must be one of/),
      'limit must not be less than 1',
      'cursor is not a cursor this API issued',
      'property sort should not exist',
    ]));
    expect(errors(ListIncidentsQuery, { limit: '501' })).toEqual(['limit must not be greater than 500']);
    expect(errors(ListIncidentsQuery, { limit: 'ten' })).toEqual(expect.arrayContaining(['limit must be an integer number']));
  });

  it('accepts incident ids only in the contract pattern', () => {
    expect(errors(IncidentIdParam, { id: 'inc-port-scan.4f18035a35cac90c.1700000100' })).toEqual([]);
    expect(errors(IncidentIdParam, { id: 'port-scan.4f18' })).toEqual(['id must be an incident id (inc-...)']);
    expect(errors(IncidentIdParam, { id: 'inc-<script>' })).toEqual(['id must be an incident id (inc-...)']);
  });

  it('validates anomaly filters', () => {
    expect(errors(ListAnomaliesQuery, { detector: 'port-scan', actor: '10.0.0.1', since: '1700000000', limit: '5' })).toEqual([]);
    expect(errors(ListAnomaliesQuery, { detector: 'Port Scan', since: '-1' })).toEqual(expect.arrayContaining(['detector must be a detector name', 'since must not be less than 0']));
    expect(errors(AnomalyIdParam, { id: 'short' })).toEqual(['id must be an anomaly id']);
  });
});
