/**
 * Image events, as dockerd logs them: Actor.ID is the image ID and
 * Attributes are the image's labels plus `name` (the familiar reference
 * for tag, the image ID otherwise). The service is wrapped rather than
 * edited so that each verb emits once, after its change is committed.
 */
import type { EventBus } from '../events/event-bus.js';
import { familiarReference, normalizeRepoTag } from '../model/reference.js';
import type { ImageService } from './service.js';
import type { ImageRecord } from '../model/image.js';

export function withImageEvents(images: ImageService, events: EventBus): ImageService {
  const emit = (action: string, image: Pick<ImageRecord, 'id' | 'config'> | { id: string; config?: undefined }, name = image.id) =>
    events.emit({ type: 'image', action, id: image.id, attributes: { ...(image.config?.labels ?? {}), name } });
  const byId = (id: string) => {
    try {
      return images.resolve(id);
    } catch {
      return { id };
    }
  };
  return Object.assign(Object.create(images) as ImageService, {
    async import(opts: Parameters<ImageService['import']>[0]) {
      const result = await images.import(opts);
      emit('import', byId(result.id));
      return result;
    },
    async tag(ref: string, repo: string, tag: string) {
      await images.tag(ref, repo, tag);
      const image = images.resolve(ref);
      emit('tag', image, familiarReference(normalizeRepoTag(repo, tag)));
    },
    async remove(ref: string, opts: { force: boolean; noprune: boolean }) {
      const image = images.resolve(ref);
      const items = await images.remove(ref, opts);
      for (const item of items) {
        if (item.untagged) emit('untag', image);
        else if (item.deleted === image.id) emit('delete', image);
      }
      return items;
    },
    async load(source: Parameters<ImageService['load']>[0]) {
      const loaded = await images.load(source);
      for (const l of loaded) emit('load', byId(l.id));
      return loaded;
    },
    async prune(filters: Parameters<ImageService['prune']>[0]) {
      const before = new Map((await images.list({ all: true, filters: new Map() })).map((i) => [i.id, i]));
      const result = await images.prune(filters);
      for (const item of result.deleted) {
        const image = item.deleted ? before.get(item.deleted) : undefined;
        if (image) emit('delete', image);
      }
      return result;
    },
    async save(refs: string[]) {
      const stream = await images.save(refs);
      for (const ref of new Set(refs.map((r) => images.resolve(r).id))) emit('save', byId(ref));
      return stream;
    },
  });
}
