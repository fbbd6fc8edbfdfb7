export * from './random.ts';
export * from './geometry.ts';
export * from './radio.ts';
export * from './site.ts';
export * from './navigation.ts';
export * from './world.ts';
export * from './mover.ts';
export * from './movement.ts';
export * from './scenario-movers.ts';
export * from './scenario.ts';
export * from './rfid.ts';
export * from './simulation.ts';
export * from './mqtt-runner.ts';
// Issue #4 item 4: every gateway payload format and the fault plans, for composition roots and real-parts tests.
export * from './faults.ts';
export * from './vendor/index.ts';
export * from './config.ts';
