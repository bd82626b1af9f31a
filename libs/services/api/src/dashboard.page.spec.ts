import { createHash } from 'node:crypto';
import { DASHBOARD_CSP, DASHBOARD_HTML } from './dashboard.page';

const between = (text: string, open: string, close: string) => text.slice(text.indexOf(open) + open.length, text.indexOf(close));

describe('dashboard page', () => {
  const script = between(DASHBOARD_HTML, '<script>', '</script>');
  const style = between(DASHBOARD_HTML, '<style>', '</style>');

  it('ships a script that parses', () => {
    // compiles the source without running it
    expect(() => new Function(script)).not.toThrow();
  });

  it('allows exactly its own inline script and style through the CSP', () => {
    const hash = (s: string) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;
    expect(DASHBOARD_CSP).toContain(`script-src ${hash(script)}`);
    expect(DASHBOARD_CSP).toContain(`style-src ${hash(style)}`);
    expect(DASHBOARD_CSP).toContain("default-src 'none'");
  });

  it('never writes API data as HTML', () => {
    expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });

  it('embeds the lifecycle table for its buttons', () => {
    expect(script).toContain('"New":["Investigating","Closed"]');
  });
});
