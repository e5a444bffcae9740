/**
 * Image, layer and tag rows. Synchronous, returns plain records; every
 * multi-row change is one BEGIN IMMEDIATE transaction. Knows nothing of
 * directories: the caller deletes a layer's files after deleteImage()
 * committed and named it unreferenced.
 */
import { inTransaction, type Db } from './database.js';
import { whenDurable } from './durability.js';
import type Database from 'better-sqlite3';

export interface LayerRow {
  /** 64 hex; the layer's directory name. */
  id: string;
  /** "sha256:<hex>". */
  diffId: string;
  size: number;
  /** 26-char short link name. */
  link: string;
  /** Unix ms. */
  createdAt: number;
}

/** The fields of an image record the repository reads; the rest is stored as given (JSON). */
export interface StoredImage {
  /** "sha256:<hex>" of the config JSON. */
  id: string;
  created: string;
  size: number;
  tags: string[];
  /** "repo@sha256:…" references (filled from repo_digests, not stored in the record). */
  repoDigests: string[];
  layerIds: string[];
}

/** A compressed blob known to hold a layer in a registry repository. */
export interface LayerBlobRow {
  diffId: string;
  /** "domain/path". */
  repository: string;
  digest: string;
  size: number;
}

export interface NewImage<R extends StoredImage = StoredImage> {
  /** `tags` and `layerIds` of the record are ignored: `tags` and `layers` below are stored. */
  record: R;
  /** The exact config JSON whose sha256 is record.id. */
  config: string;
  /** Bottom first. */
  layers: LayerRow[];
  /** Normalized references; each is moved here from any other image. */
  tags: string[];
  /** "repo@sha256:…" references to record for it. */
  digests?: string[];
}

interface ImageRow {
  id: string;
  record: string;
}

type Stmt = Database.Statement;

export class ImagesRepo<R extends StoredImage = StoredImage> {
  readonly #db: Db;
  readonly #insertImage: Stmt;
  readonly #upsertLayer: Stmt;
  readonly #insertImageLayer: Stmt;
  readonly #upsertTag: Stmt;
  readonly #deleteTag: Stmt;
  readonly #getImage: Stmt;
  readonly #getByTag: Stmt;
  readonly #byPrefix: Stmt;
  readonly #listImages: Stmt;
  readonly #countImages: Stmt;
  readonly #tagsOf: Stmt;
  readonly #allTags: Stmt;
  readonly #layersOf: Stmt;
  readonly #allLayerIds: Stmt;
  readonly #getConfig: Stmt;
  readonly #getSize: Stmt;
  readonly #deleteImage: Stmt;
  readonly #deleteUnusedLayer: Stmt;
  readonly #getLayer: Stmt;
  readonly #upsertDigest: Stmt;
  readonly #deleteDigest: Stmt;
  readonly #digestsOf: Stmt;
  readonly #allDigests: Stmt;
  readonly #getByDigest: Stmt;
  readonly #upsertBlob: Stmt;
  readonly #blobsOf: Stmt;
  /** layout() answers by image ID; see there. */
  readonly #layouts = new Map<string, Readonly<{ size: number; layers: readonly LayerRow[] }>>();

  constructor(db: Db) {
    this.#db = db;
    this.#insertImage = db.prepare('INSERT OR IGNORE INTO images (id, created_at, stored_at, size, config, record) VALUES (?, ?, ?, ?, ?, ?)');
    // The directory is the truth about a layer's link: a re-extracted layer gets a new one.
    this.#upsertLayer = db.prepare(
      `INSERT INTO layers (id, diff_id, size, link, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET link = excluded.link, size = excluded.size`,
    );
    this.#insertImageLayer = db.prepare('INSERT OR IGNORE INTO image_layers (image_id, position, layer_id) VALUES (?, ?, ?)');
    this.#upsertTag = db.prepare(
      `INSERT INTO tags (ref, image_id, tagged_at) VALUES (?, ?, ?)
       ON CONFLICT(ref) DO UPDATE SET image_id = excluded.image_id, tagged_at = excluded.tagged_at`,
    );
    this.#deleteTag = db.prepare('DELETE FROM tags WHERE ref = ?');
    this.#getImage = db.prepare('SELECT id, record FROM images WHERE id = ?');
    this.#getByTag = db.prepare('SELECT i.id, i.record FROM tags t JOIN images i ON i.id = t.image_id WHERE t.ref = ?');
    this.#byPrefix = db.prepare('SELECT id FROM images WHERE substr(id, 1, ?) = ? ORDER BY id LIMIT ?').pluck();
    this.#listImages = db.prepare('SELECT id, record FROM images ORDER BY created_at DESC, stored_at DESC, id');
    this.#countImages = db.prepare('SELECT count(*) AS n FROM images');
    this.#tagsOf = db.prepare('SELECT ref FROM tags WHERE image_id = ? ORDER BY tagged_at, ref').pluck();
    this.#allTags = db.prepare('SELECT ref, image_id AS imageId FROM tags ORDER BY tagged_at, ref');
    this.#layersOf = db.prepare(
      `SELECT l.id, l.diff_id AS diffId, l.size, l.link, l.created_at AS createdAt
       FROM image_layers il JOIN layers l ON l.id = il.layer_id WHERE il.image_id = ? ORDER BY il.position`,
    );
    this.#allLayerIds = db.prepare('SELECT id FROM layers').pluck();
    this.#getConfig = db.prepare('SELECT config FROM images WHERE id = ?').pluck();
    this.#getSize = db.prepare('SELECT size FROM images WHERE id = ?').pluck();
    this.#deleteImage = db.prepare('DELETE FROM images WHERE id = ?');
    this.#deleteUnusedLayer = db.prepare('DELETE FROM layers WHERE id = ? AND NOT EXISTS (SELECT 1 FROM image_layers WHERE layer_id = ?)');
    this.#upsertDigest = db.prepare(
      `INSERT INTO repo_digests (ref, image_id, created_at) VALUES (?, ?, ?)
       ON CONFLICT(ref) DO UPDATE SET image_id = excluded.image_id`,
    );
    this.#getLayer = db.prepare('SELECT id, diff_id AS diffId, size, link, created_at AS createdAt FROM layers WHERE id = ?');
    this.#deleteDigest = db.prepare('DELETE FROM repo_digests WHERE ref = ?');
    this.#digestsOf = db.prepare('SELECT ref FROM repo_digests WHERE image_id = ? ORDER BY created_at, ref').pluck();
    this.#allDigests = db.prepare('SELECT ref, image_id AS imageId FROM repo_digests ORDER BY created_at, ref');
    this.#getByDigest = db.prepare('SELECT i.id, i.record FROM repo_digests d JOIN images i ON i.id = d.image_id WHERE d.ref = ?');
    this.#upsertBlob = db.prepare('INSERT OR IGNORE INTO layer_blobs (diff_id, repository, digest, size) VALUES (?, ?, ?, ?)');
    this.#blobsOf = db.prepare('SELECT diff_id AS diffId, repository, digest, size FROM layer_blobs WHERE diff_id = ?');
  }

  /**
   * Records an image with its layers and tags in one transaction. An image
   * that is already stored keeps its row; its tags still move to it.
   */
  insert(image: NewImage<R>, now = Date.now()): void {
    const { record } = image;
    const stored: R = { ...record, tags: [], repoDigests: [], layerIds: image.layers.map((l) => l.id) };
    // A layer stored again (re-extracted) gets a new link, which every remembered layout holding it would miss.
    this.#layouts.clear();
    inTransaction(this.#db, () => {
      this.#insertImage.run(record.id, record.created, now, record.size, image.config, JSON.stringify(stored));
      image.layers.forEach((l, position) => {
        this.#upsertLayer.run(l.id, l.diffId, l.size, l.link, l.createdAt);
        this.#insertImageLayer.run(record.id, position, l.id);
      });
      for (const ref of image.tags) this.#upsertTag.run(ref, record.id, now);
      for (const ref of image.digests ?? []) this.#upsertDigest.run(ref, record.id, now);
    });
  }

  /** Points the digest reference `ref` ("repo@sha256:…") at `imageId`. */
  addDigest(ref: string, imageId: string, now = Date.now()): void {
    this.#upsertDigest.run(ref, imageId, now);
  }

  /** False when there was no such digest reference. */
  removeDigest(ref: string): boolean {
    return this.#deleteDigest.run(ref).changes > 0;
  }

  findByDigest(ref: string): R | undefined {
    const row = this.#getByDigest.get(ref) as ImageRow | undefined;
    return row && this.#toRecord(row, this.#tagsOf.all(row.id) as string[]);
  }

  /** Remembers that `repository` has the compressed blob `digest` of the layer `diffId`. */
  rememberBlob(blob: LayerBlobRow): void {
    this.#upsertBlob.run(blob.diffId, blob.repository, blob.digest, blob.size);
  }

  /** Every known compressed blob of the layer `diffId`. */
  blobsOf(diffId: string): LayerBlobRow[] {
    return this.#blobsOf.all(diffId) as LayerBlobRow[];
  }

  get(id: string): R | undefined {
    const row = this.#getImage.get(id) as ImageRow | undefined;
    return row && this.#toRecord(row, this.#tagsOf.all(row.id) as string[]);
  }

  findByTag(ref: string): R | undefined {
    const row = this.#getByTag.get(ref) as ImageRow | undefined;
    return row && this.#toRecord(row, this.#tagsOf.all(row.id) as string[]);
  }

  /** IDs starting with `prefix` ("sha256:ab…"); at most `limit` (2 tells unique from ambiguous). */
  findIdsByPrefix(prefix: string, limit = 2): string[] {
    return this.#byPrefix.all(prefix.length, prefix, limit) as string[];
  }

  /** Every image, newest first, with its tags. */
  list(): R[] {
    const tags = new Map<string, string[]>();
    for (const t of this.#allTags.all() as Array<{ ref: string; imageId: string }>) {
      const list = tags.get(t.imageId) ?? [];
      list.push(t.ref);
      tags.set(t.imageId, list);
    }
    const digests = new Map<string, string[]>();
    for (const d of this.#allDigests.all() as Array<{ ref: string; imageId: string }>) {
      const list = digests.get(d.imageId) ?? [];
      list.push(d.ref);
      digests.set(d.imageId, list);
    }
    return (this.#listImages.all() as ImageRow[]).map((row) => this.#toRecord(row, tags.get(row.id) ?? [], digests.get(row.id) ?? []));
  }

  count(): number {
    return (this.#countImages.get() as { n: number }).n;
  }

  /** Points `ref` at `imageId`, moving it from another image if needed. */
  addTag(ref: string, imageId: string, now = Date.now()): void {
    this.#upsertTag.run(ref, imageId, now);
  }

  /** False when the tag did not exist. */
  removeTag(ref: string): boolean {
    return this.#deleteTag.run(ref).changes > 0;
  }
  /** The image's size in bytes; undefined when there is no such image. Reads no record. */
  size(imageId: string): number | undefined {
    return this.#getSize.get(imageId) as number | undefined;
  }

  /** The image's layers, bottom first. */
  layers(imageId: string): LayerRow[] {
    return this.#layersOf.all(imageId) as LayerRow[];
  }

  /**
   * Size and layers together, as a container's view needs them on every
   * inspect and list, and its root mount at every create and start. An
   * image ID is the digest of its config, so which layers it names never
   * changes while its row exists: the answer is remembered per ID and
   * forgotten in deleteImage, the only way a row goes. A layer's link can
   * change (insert upserts a re-extracted layer with its new link), so
   * insert forgets every remembered layout. A layout read inside a
   * transaction is not remembered (the transaction may yet roll back).
   * Undefined (not remembered) when there is no such image.
   */
  layout(imageId: string): Readonly<{ size: number; layers: readonly LayerRow[] }> | undefined {
    const known = this.#layouts.get(imageId);
    if (known) return known;
    const size = this.size(imageId);
    if (size === undefined) return undefined;
    const layout = Object.freeze({ size, layers: Object.freeze(this.layers(imageId)) });
    if (!this.#db.inTransaction) this.#layouts.set(imageId, layout);
    return layout;
  }

  /** One layer row by its id (64 hex), or undefined. */
  layer(id: string): LayerRow | undefined {
    return this.#getLayer.get(id) as LayerRow | undefined;
  }

  /** Every layer that has a row (for garbage collection of directories). */
  allLayerIds(): string[] {
    return this.#allLayerIds.all() as string[];
  }

  /** The stored config JSON bytes. */
  config(id: string): string | undefined {
    return this.#getConfig.get(id) as string | undefined;
  }

  /**
   * Deletes the image, its tags and layer links in one transaction, and the
   * rows of its layers no other image uses. Returns those layer IDs (their
   * directories are the caller's to remove, once `durable()` resolved: a
   * power loss must not leave an image row whose layer is gone).
   */
  deleteImage(id: string): string[] {
    this.#layouts.delete(id);
    return inTransaction(this.#db, () => {
      const candidates = (this.#layersOf.all(id) as LayerRow[]).map((l) => l.id);
      if (this.#deleteImage.run(id).changes === 0) return [];
      return [...new Set(candidates)].filter((layerId) => this.#deleteUnusedLayer.run(layerId, layerId).changes > 0);
    });
  }

  /** Resolves once every commit so far is on disk (durability.ts): await it before removing what a commit made unneeded. */
  durable(): Promise<void> {
    return whenDurable(this.#db);
  }

  #toRecord(row: ImageRow, tags: string[], repoDigests = this.#digestsOf.all(row.id) as string[]): R {
    const record = JSON.parse(row.record) as R;
    return { ...record, tags, repoDigests };
  }
}
