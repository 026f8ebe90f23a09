export * from './requirements.ts';
export * from './check.ts';
export * from './plan.ts';
export * from './machine.ts';
export * from './cache-state.ts';
export * from './prepare.ts';
export * from './doctor.ts';
