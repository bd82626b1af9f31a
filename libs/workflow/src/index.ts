export * from './lifecycle/incident-lifecycle';
export * from './routing/routing-rules';
export * from './open-incident/incident-id';
export * from './open-incident/incident-title';
export * from './open-incident/open-incident.usecase';
export * from './transition-incident/transition-incident.usecase';
