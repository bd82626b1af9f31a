import { MITRE_ID } from '@flowguard/contracts';
import { mitreCatalogue, mitreTechnique } from './mitre-catalogue';

describe('MITRE catalogue', () => {
  it('has valid, unique ids with a name and a tactic', () => {
    const ids = mitreCatalogue().map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const t of mitreCatalogue()) {
      expect(t.id).toMatch(MITRE_ID);
      expect(t.name.length).toBeGreaterThan(3);
      expect(t.tactic.length).toBeGreaterThan(3);
    }
  });

  it('names every technique the detection engine reports', () => {
    // the ids libs/detection attaches to findings (grep "'T1" libs/detection/src)
    for (const id of ['T1046', 'T1071', 'T1498', 'T1498.001', 'T1499.001', 'T1499.002', 'T1571', 'T1595.001']) {
      expect([id, mitreTechnique(id)?.name !== undefined]).toEqual([id, true]);
    }
  });
});
