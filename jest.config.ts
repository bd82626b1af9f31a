import { getJestProjectsAsync } from '@nx/jest';

// Every project's unit tests in one Jest run (used by `npm test`); `nx test <project>` runs one.
export default async () => ({
  projects: await getJestProjectsAsync(),
});
