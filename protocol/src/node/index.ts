// Node-only helpers (node:crypto). Kept out of the main entry so the browser bundle never pulls them in.
export * from './secrets.ts';
