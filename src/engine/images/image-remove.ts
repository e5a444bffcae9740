/**
 * Docker's rules for `DELETE /images/{name}` (moby daemon/images/image_delete.go),
 * as a pure decision: what to untag, whether to delete, or which conflict.
 *
 * One deliberate difference: berth containers read their image's layer
 * directories directly, so an image that any container uses is never
 * deleted, even with force. Force then only untags (the image stays, dangling),
 * where dockerd would delete the image record and keep the layers.
 */
import { conflict } from '../errors.js';
import { repositoryOf, shortId } from '../model/reference.js';
import type { ImageRecord } from '../model/image.js';

export interface ImageUser {
  id: string;
  running: boolean;
}

export interface RemovalPlan {
  /** Normalized references to remove, in order. */
  untag: string[];
  /** Delete the image (and its unreferenced layers) after untagging. */
  delete: boolean;
}

export interface RemovalRequest {
  image: ImageRecord;
  /** The reference as the client gave it (used in messages). */
  ref: string;
  /** The normalized tag or digest reference `ref` named, or null when `ref` named the ID. */
  tag: string | null;
  users: ImageUser[];
  force: boolean;
}

/** Throws conflict with Docker's wording when the removal is refused. */
export function planImageRemoval(req: RemovalRequest): RemovalPlan {
  return req.tag === null ? planById(req) : planByTag(req, req.tag);
}

/**
 * By tag or digest reference: untag it; when no other tag of that repository
 * remains, the repository's digest references go too (as dockerd does).
 * Delete only when no reference is left and nothing uses the image.
 */
function planByTag(req: RemovalRequest, tag: string): RemovalPlan {
  const { image, users, force } = req;
  const repo = repositoryOf(tag);
  const tagsLeft = image.tags.filter((t) => t !== tag);
  const repoTagLeft = tagsLeft.some((t) => repositoryOf(t) === repo);
  const digests = image.repoDigests ?? [];
  const untagDigests = tag.includes('@') || repoTagLeft ? [] : digests.filter((d) => repositoryOf(d) === repo);
  const digestsLeft = digests.filter((d) => d !== tag && !untagDigests.includes(d));
  const lastTag = tagsLeft.length === 0 && digestsLeft.length === 0;
  if (lastTag && users.length > 0 && !force) {
    throw conflict(
      'BERTH_IMAGE_IN_USE',
      `conflict: unable to remove repository reference "${req.ref}" (must force) - container ${shortId(users[0].id)} is using its referenced image ${shortId(image.id)}`,
    );
  }
  return { untag: [tag, ...untagDigests], delete: lastTag && users.length === 0 };
}

/** By ID: every tag goes with the image; running users block even force. */
function planById(req: RemovalRequest): RemovalPlan {
  const { image, users, force } = req;
  const running = users.find((u) => u.running);
  if (running) throw cannotDelete(image, true, `image is being used by running container ${shortId(running.id)}`);
  if (!force && image.tags.length > 1) throw cannotDelete(image, false, 'image is referenced in multiple repositories');
  const stopped = users.find((u) => !u.running);
  if (stopped && !force) throw cannotDelete(image, false, `image is being used by stopped container ${shortId(stopped.id)}`);
  return { untag: [...image.tags, ...(image.repoDigests ?? [])], delete: users.length === 0 };
}

function cannotDelete(image: ImageRecord, hard: boolean, why: string) {
  const how = hard ? 'cannot be forced' : 'must be forced';
  return conflict('BERTH_IMAGE_IN_USE', `conflict: unable to delete ${shortId(image.id)} (${how}) - ${why}`);
}
