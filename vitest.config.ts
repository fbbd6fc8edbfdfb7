import { defineConfig } from 'vitest/config';

// One project per workspace package, so `npm test` at the root runs everything and
// `npm test -w <pkg>` runs one package. Integration tests start real processes and
// sockets, so they get generous timeouts; tests never assert on timings.
const pkgs = ['protocol', 'floorplans', 'broker', 'llrp-bridge', 'gateway-firmware-sim', 'locator', 'web'] as const;

export default defineConfig({
  test: {
    projects: [
      ...pkgs.map((name) => ({
        test: {
          name,
          root: `./${name}`,
          include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      })),
      {
        // Accuracy harness and benchmark logic (issue #3): unit tests and the accuracy regression gate.
        test: {
          name: 'bench',
          root: './bench',
          include: ['test/**/*.test.ts'],
          testTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'repo',
          root: './test',
          include: ['**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 90_000,
        },
      },
    ],
  },
});
