import { AppError, notFound } from '../../shared/app-error.js';
import type { Catalog } from '../../storage/catalog/catalog.js';
import { parseTriggerSpec } from './trigger-spec.js';
import { TRIGGER_SECTION, type TriggerRecord, type TriggerSection } from './trigger-record.js';

// Upstream's 409 text for a trigger name already taken in the database.
export function triggerExistsError(): AppError {
  return new AppError('already_exists', 'attempted to create a resource that already exists', { status: 409 });
}

// Upstream's 404 text for an unknown trigger.
export function triggerNotFoundError(name: string): AppError {
  return notFound(`the requested resource was not found: ${name}`);
}

// Triggers live in one catalog section, so they are persisted with the same atomic write as databases and tables.
// Records are tied to the database *id*: a soft-deleted database keeps its (disabled) triggers until the hard
// delete, and a new database of the same name starts with none.
export class TriggerStore {
  // Request path → the triggers serving it, rebuilt when the section object changes (every change replaces it).
  private pathIndex: { section: TriggerSection; byPath: Map<string, TriggerRecord[]> } | null = null;

  constructor(private readonly catalog: Catalog) {}

  private section(): TriggerSection {
    return this.catalog.section<TriggerSection>(TRIGGER_SECTION) ?? { next_id: 1, triggers: [] };
  }

  // Every stored trigger of live databases (start-up, request routing).
  all(): TriggerRecord[] {
    return this.section().triggers.filter((t) => this.live(t));
  }

  // The triggers of one database, in creation order.
  list(database: string): TriggerRecord[] {
    const db = this.catalog.database(database);
    if (!db) return [];
    return this.section().triggers.filter((t) => t.database_id === db.id);
  }

  // Every trigger of a database id, deleted database or not (database delete hooks).
  ofDatabaseId(databaseId: number): TriggerRecord[] {
    return this.section().triggers.filter((t) => t.database_id === databaseId);
  }

  find(database: string, name: string): TriggerRecord | undefined {
    return this.list(database).find((t) => t.trigger_name === name);
  }

  require(database: string, name: string): TriggerRecord {
    this.catalog.requireDatabase(database);
    const record = this.find(database, name);
    if (!record) throw triggerNotFoundError(name);
    return record;
  }

  // Stores a new trigger (the caller validated it); 409 when the name is taken in its database.
  add(record: Omit<TriggerRecord, 'trigger_id' | 'database_id'>): TriggerRecord {
    const db = this.catalog.requireDatabase(record.database_name);
    if (this.find(record.database_name, record.trigger_name)) throw triggerExistsError();
    const section = this.section();
    const stored: TriggerRecord = { ...record, trigger_id: section.next_id, database_id: db.id };
    this.catalog.setSection(TRIGGER_SECTION, { next_id: section.next_id + 1, triggers: [...section.triggers, stored] });
    return stored;
  }

  // Persists a change to one trigger and returns the stored record.
  update(record: TriggerRecord, change: Partial<Pick<TriggerRecord, 'disabled' | 'disabled_reason'>>): TriggerRecord {
    const section = this.section();
    let updated: TriggerRecord | undefined;
    const triggers = section.triggers.map((t) => (t.trigger_id === record.trigger_id ? (updated = { ...t, ...change }) : t));
    if (!updated) throw triggerNotFoundError(record.trigger_name);
    this.catalog.setSection(TRIGGER_SECTION, { ...section, triggers });
    return updated;
  }

  remove(record: TriggerRecord): void {
    const section = this.section();
    this.catalog.setSection(TRIGGER_SECTION, { ...section, triggers: section.triggers.filter((t) => t.trigger_id !== record.trigger_id) });
  }

  // Soft delete of a database: its triggers stay, disabled, until the hard delete removes them.
  disableDatabase(databaseId: number, reason: string): void {
    const section = this.section();
    const triggers = section.triggers.map((t) => (t.database_id === databaseId ? { ...t, disabled: true, disabled_reason: reason } : t));
    this.catalog.setSection(TRIGGER_SECTION, { ...section, triggers });
  }

  // Hard delete (or a database that no longer exists at all): forget its triggers.
  removeDatabase(databaseId: number): void {
    const section = this.section();
    this.catalog.setSection(TRIGGER_SECTION, { ...section, triggers: section.triggers.filter((t) => t.database_id !== databaseId) });
  }

  // The trigger of a live database serving request `path` (other than `exceptId`): one map lookup per request
  // instead of parsing every stored spec.
  requestOwner(path: string, exceptId?: number): TriggerRecord | undefined {
    const section = this.section();
    if (this.pathIndex?.section !== section) {
      const byPath = new Map<string, TriggerRecord[]>();
      for (const t of section.triggers) {
        const p = requestPathOf(t);
        if (p !== null) byPath.set(p, [...(byPath.get(p) ?? []), t]);
      }
      this.pathIndex = { section, byPath };
    }
    return this.pathIndex.byPath.get(path)?.find((t) => t.trigger_id !== exceptId && this.live(t));
  }

  private live(t: TriggerRecord): boolean {
    const db = this.catalog.databaseById(t.database_id);
    return db !== undefined && !db.deleted;
  }
}

// The path a request trigger serves (`request:/foo` and `request:foo` both serve foo), or null for other kinds; only
// request specs are parsed (cheap string work), so request routing never evaluates cron expressions.
export function requestPathOf(record: TriggerRecord): string | null {
  if (!record.trigger_specification.trim().startsWith('request:')) return null;
  const spec = parseTriggerSpec(record.trigger_specification);
  return spec.kind === 'request' ? spec.path : null;
}
