/**
 * Flowguard all-in-one: the whole system in one process with no external
 * servers (in-process bus, embedded store under .flowguard/data). Analyses a
 * sample at start (FLOWGUARD_SAMPLE, see sample/sample.runner.ts) and prints
 * the URL of the live incident page.
 *
 *   npm start                      # http://localhost:8080/
 *   FLOWGUARD_SAMPLE=none npm start
 */
import { runService } from '@flowguard/service-kit';
import { allInOneOptions } from './all-in-one';
import { analyseSample, chooseSample } from './sample/sample.runner';

void runService(
  () => allInOneOptions(process.env),
  async (s, url) => {
    const page = `${url}/`;
    process.stdout.write(`\nFlowguard is running: ${page}\n(in-process bus, embedded store; Ctrl-C to stop)\n\n`);
    try {
      const outcome = await analyseSample(s.app, chooseSample(process.env['FLOWGUARD_SAMPLE']));
      if (!outcome) return;
      const lines = outcome.incidents.slice(0, 10).map((i) => `  - [${i.severity}] ${i.title} (${i.mitre.join(', ') || 'no MITRE'})`);
      process.stdout.write(
        `Sample analysed: ${outcome.source}\n  ${outcome.ingest.records} records, ${Object.values(outcome.ingest.rejected).reduce((a, b) => a + b, 0)} rejected lines\n` +
          `  ${outcome.incidents.length} incident(s):\n${lines.join('\n') || '  (none)'}\nOpen ${page} to see them live.\n\n`,
      );
    } catch (e) {
      s.logger.error({ err: e }, 'sample analysis failed');
    }
  },
);
