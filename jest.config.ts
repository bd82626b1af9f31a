import { getJestProjectsAsync } from '@nx/jest';

// Every project's unit tests in one Jest run (used by `npm test`); `nx test <project>` runs one.
// Integration configs (`jest.int.config.ts`, run by the root jest.integration.config.js) are left out.
export default async () => ({
  projects: (await getJestProjectsAsync()).filter((p) => !/\.int\.config\.[cm]?[jt]s$/.test(String(p))),
});
