import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Settings tests stub their own environment; nothing else should leak between files.
    unstubEnvs: true,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
        },
      },
    ],
  },
});
