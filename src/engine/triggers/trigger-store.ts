import { AppError, notFound } from '../../shared/app-error.js';
import type { Database, Trigger, TriggerList } from '../../storage/catalog/catalog-resources.js';
import { parseTriggerSpec, type TriggerSpec } from './trigger-spec.js';

// Upstream's 409 text for a trigger name already taken in the database.
export function triggerExistsError(): AppError {
  return new AppError('already_exists', 'attempted to create a resource that already exists', { status: 409 });
}

// Upstream's 404 text for an unknown trigger.
export function triggerNotFoundError(name: string): AppError {
  return notFound(`the requested resource was not found: ${name}`);
}

// What the store needs of storage (the StorageEngine facade, or the catalog itself in tests).
export interface TriggerCatalog {
  database(name: string): Database | undefined;
  databaseById(id: number): Database | undefined;
  requireDatabase(name: string): Database;
  triggers(): TriggerList;
  setTriggers(list: TriggerList): void;
}

// Triggers live in the catalog, so they are persisted with the same atomic write as databases and tables.
// Triggers are tied to the database *id*: a soft-deleted database keeps its (disabled) triggers until the hard
// delete, and a new database of the same name starts with none.
export class TriggerStore {
  // Request path → the triggers serving it, rebuilt when the list object changes (every change replaces it).
  private pathIndex: { list: TriggerList; byPath: Map<string, Trigger[]> } | null = null;

  // Each stored trigger's spec, parsed once: the catalog keeps the text the user typed and replaces a trigger's
  // object on every change, so the object is the cache key.
  private readonly specs = new WeakMap<Trigger, TriggerSpec>();

  constructor(private readonly catalog: TriggerCatalog) {}

  // The trigger's parsed spec (every stored spec was validated when it was created).
  specOf(trigger: Trigger): TriggerSpec {
    let spec = this.specs.get(trigger);
    if (!spec) {
      spec = parseTriggerSpec(trigger.specification);
      this.specs.set(trigger, spec);
    }
    return spec;
  }

  // The parsed spec, or null for one that does not parse (only a hand-edited catalog has one).
  trySpecOf(trigger: Trigger): TriggerSpec | null {
    try {
      return this.specOf(trigger);
    } catch {
      return null;
    }
  }

  // The path a request trigger serves (`request:/foo` and `request:foo` both serve foo), or null for other kinds.
  requestPathOf(trigger: Trigger): string | null {
    const spec = this.specOf(trigger);
    return spec.kind === 'request' ? spec.path : null;
  }

  private current(): TriggerList {
    return this.catalog.triggers();
  }

  // Every stored trigger of live databases (start-up, request routing).
  all(): Trigger[] {
    return this.current().triggers.filter((t) => this.live(t));
  }

  // The triggers of one database, in creation order.
  list(database: string): Trigger[] {
    const db = this.catalog.database(database);
    if (!db) return [];
    return this.current().triggers.filter((t) => t.databaseId === db.id);
  }

  // Every trigger of a database id, deleted database or not (database delete hooks).
  ofDatabaseId(databaseId: number): Trigger[] {
    return this.current().triggers.filter((t) => t.databaseId === databaseId);
  }

  find(database: string, name: string): Trigger | undefined {
    return this.list(database).find((t) => t.name === name);
  }

  require(database: string, name: string): Trigger {
    this.catalog.requireDatabase(database);
    const trigger = this.find(database, name);
    if (!trigger) throw triggerNotFoundError(name);
    return trigger;
  }

  // Stores a new trigger (the caller validated it); 409 when the name is taken in its database.
  add(trigger: Omit<Trigger, 'id' | 'databaseId'>): Trigger {
    const db = this.catalog.requireDatabase(trigger.databaseName);
    if (this.find(trigger.databaseName, trigger.name)) throw triggerExistsError();
    const current = this.current();
    const stored: Trigger = { ...trigger, id: current.nextId, databaseId: db.id };
    this.catalog.setTriggers({ nextId: current.nextId + 1, triggers: [...current.triggers, stored] });
    return stored;
  }

  // Persists a change to one trigger and returns the stored trigger.
  update(trigger: Trigger, change: Partial<Pick<Trigger, 'disabled' | 'disabledReason'>>): Trigger {
    const current = this.current();
    let updated: Trigger | undefined;
    const triggers = current.triggers.map((t) => (t.id === trigger.id ? (updated = { ...t, ...change }) : t));
    if (!updated) throw triggerNotFoundError(trigger.name);
    this.catalog.setTriggers({ ...current, triggers });
    return updated;
  }

  remove(trigger: Trigger): void {
    const current = this.current();
    this.catalog.setTriggers({ ...current, triggers: current.triggers.filter((t) => t.id !== trigger.id) });
  }

  // Soft delete of a database: its triggers stay, disabled, until the hard delete removes them.
  disableDatabase(databaseId: number, reason: string): void {
    const current = this.current();
    const triggers = current.triggers.map((t) => (t.databaseId === databaseId ? { ...t, disabled: true, disabledReason: reason } : t));
    this.catalog.setTriggers({ ...current, triggers });
  }

  // Hard delete (or a database that no longer exists at all): forget its triggers.
  removeDatabase(databaseId: number): void {
    const current = this.current();
    this.catalog.setTriggers({ ...current, triggers: current.triggers.filter((t) => t.databaseId !== databaseId) });
  }

  // The trigger of a live database serving request `path` (other than `exceptId`): one map lookup per request
  // instead of parsing every stored spec.
  requestOwner(path: string, exceptId?: number): Trigger | undefined {
    const current = this.current();
    if (this.pathIndex?.list !== current) {
      const byPath = new Map<string, Trigger[]>();
      for (const t of current.triggers) {
        const p = this.requestPathOf(t);
        if (p !== null) byPath.set(p, [...(byPath.get(p) ?? []), t]);
      }
      this.pathIndex = { list: current, byPath };
    }
    return this.pathIndex.byPath.get(path)?.find((t) => t.id !== exceptId && this.live(t));
  }

  private live(t: Trigger): boolean {
    const db = this.catalog.databaseById(t.databaseId);
    return db !== undefined && !db.deleted;
  }
}
