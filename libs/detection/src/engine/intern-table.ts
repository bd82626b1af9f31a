/**
 * Engine-wide string interning (IP addresses, ENI ids, account ids) with a
 * per-batch translation table: a FlowBatch's string-table id maps to the
 * engine id once per distinct string per StringTable, so the per-record path
 * is two array reads. Batches made by FlowBatch.select() share their parent's
 * StringTable and therefore its translation table.
 */
import type { StringTable } from '@flowguard/contracts';

export class InternTable {
  protected readonly ids = new Map<string, number>();
  strings: string[] = [];
  /** bumped whenever ids are recycled: cached translations become invalid */
  generation = 0;
  private readonly translations = new WeakMap<StringTable, { generation: number; map: Int32Array }>();
  protected readonly freeIds: number[] = [];

  get size(): number {
    return this.ids.size;
  }

  idOf(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.freeIds.length > 0 ? (this.freeIds.pop() as number) : this.strings.length;
      if (id === this.strings.length) this.strings.push(s);
      else this.strings[id] = s;
      this.ids.set(s, id);
      this.onNew(id, s);
    }
    return id;
  }

  /** Hook for subclasses to compute per-id attributes. */
  protected onNew(_id: number, _s: string): void {
    /* no attributes by default */
  }

  str(id: number): string {
    return this.strings[id] ?? '';
  }

  /** Translation table for one batch string table (string id → engine id, -1 = not yet resolved). */
  translation(table: StringTable): Int32Array {
    let t = this.translations.get(table);
    if (!t || t.generation !== this.generation) {
      t = { generation: this.generation, map: new Int32Array(Math.max(16, table.size)).fill(-1) };
      this.translations.set(table, t);
    } else if (t.map.length < table.size) {
      const next = new Int32Array(Math.max(table.size, t.map.length * 2)).fill(-1);
      next.set(t.map);
      t.map = next;
    }
    return t.map;
  }

  /** Resolve one batch string id through a translation table. */
  resolve(table: StringTable, map: Int32Array, sid: number): number {
    let id = map[sid] as number;
    if (id < 0) {
      id = this.idOf(table.get(sid));
      map[sid] = id;
    }
    return id;
  }

  /** Forget ids for which `drop(id)` is true; their numbers are reused later. */
  recycle(drop: (id: number) => boolean): number {
    let n = 0;
    for (const [s, id] of this.ids) {
      if (drop(id)) {
        this.ids.delete(s);
        this.freeIds.push(id);
        this.strings[id] = '';
        n++;
      }
    }
    if (n > 0) this.generation++;
    return n;
  }
}
