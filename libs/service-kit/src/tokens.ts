/** Injection tokens of the service kit (ports are interfaces, so they need tokens). */
export const SERVICE_CONFIG = Symbol.for('flowguard.ServiceConfig');
/** the root pino logger of the application */
export const LOGGER = Symbol.for('flowguard.Logger');
/** the Bus port */
export const BUS = Symbol.for('flowguard.Bus');
export const ANOMALY_REPOSITORY = Symbol.for('flowguard.AnomalyRepository');
export const INCIDENT_REPOSITORY = Symbol.for('flowguard.IncidentRepository');
/** epoch-ms clock `() => number` */
export const CLOCK = Symbol.for('flowguard.Clock');
