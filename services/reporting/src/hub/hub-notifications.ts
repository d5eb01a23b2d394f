import { BeneficiaryCategory, StoredEvent } from '@oriental/contracts';
import type { EventStore } from '@oriental/event-store';
import type { ReferenceData } from '@oriental/reference-data';
import { categoryOfRegistration, FeedItem, HubNotification, provinceNamedBy, publishedOf } from './hub-notification';

/** A bounded map that forgets the entry used longest ago. */
class Recent<V> {
  private readonly entries = new Map<string, V>();
  constructor(private readonly capacity: number) {}

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }
}

/** `null`: looked up, and the stream's first event names none. */
type Remembered<T> = T | null;

/**
 * Turns stored events into the hub's notifications: the published language says the type, the
 * envelope when and in which cell, reference data the cell's province.
 *
 * The category is named only by the beneficiary's registration. It is read, when an event of
 * theirs needs it, from the first event of their `beneficiary-<id>` stream (a primary-key read of
 * one row), and remembered in a bounded cache, which each registration the feed sees fills
 * first. No read model: the stream is the truth, already ordered before any later event of the
 * case, and nothing needs rebuilding. A training session held for a province (no cell) names it
 * in its first event the same way.
 */
export class HubNotifications {
  private readonly categories: Recent<Remembered<BeneficiaryCategory>>;
  private readonly sessionProvinces: Recent<Remembered<string>>;

  constructor(
    private readonly store: EventStore,
    private readonly referenceData: ReferenceData,
    capacity = 10_000,
  ) {
    this.categories = new Recent(capacity);
    this.sessionProvinces = new Recent(capacity);
  }

  /** The feed items of stored events, in their order: one per event that publishes an integration event. */
  async itemsOf(events: readonly StoredEvent[]): Promise<FeedItem[]> {
    const items: FeedItem[] = [];
    for (const event of events) {
      const notification = await this.notificationOf(event);
      if (notification) items.push({ position: event.position, notification });
    }
    return items;
  }

  async notificationOf(event: StoredEvent): Promise<HubNotification | null> {
    const published = publishedOf(event);
    if (!published) return null;
    const { beneficiaryId, cellId, occurredAt } = event.metadata;
    const registered = categoryOfRegistration(published);
    if (registered && beneficiaryId) this.categories.set(beneficiaryId, registered);
    const category = registered ?? (beneficiaryId ? await this.categoryOf(beneficiaryId) : undefined);
    const province = (cellId ? this.referenceData.cell(cellId)?.province : undefined) ?? provinceNamedBy(published) ?? (await this.sessionProvinceOf(event.stream));
    return {
      type: published.type,
      occurredAt,
      ...(cellId ? { cellId } : {}),
      ...(province ? { province } : {}),
      ...(category ? { category } : {}),
    };
  }

  private async categoryOf(beneficiaryId: string): Promise<BeneficiaryCategory | undefined> {
    let category = this.categories.get(beneficiaryId);
    if (category === undefined) {
      const [first] = await this.store.readStream(`beneficiary-${beneficiaryId}`, { maxCount: 1 });
      category = (first && categoryOfRegistration(publishedOf(first))) ?? null;
      this.categories.set(beneficiaryId, category);
    }
    return category ?? undefined;
  }

  private async sessionProvinceOf(stream: string): Promise<string | undefined> {
    if (!stream.startsWith('session-')) return undefined;
    let province = this.sessionProvinces.get(stream);
    if (province === undefined) {
      const [first] = await this.store.readStream(stream, { maxCount: 1 });
      province = (first && provinceNamedBy(publishedOf(first))) ?? null;
      this.sessionProvinces.set(stream, province);
    }
    return province ?? undefined;
  }
}
