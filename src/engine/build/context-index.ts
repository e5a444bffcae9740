/**
 * The build context as an in-memory tree built from its tar headers while
 * the upload streams in (every file's content hashed on the way), so that
 * a build whose steps all hit the cache never writes the context to disk.
 *
 * It models what the safe untar would make of the same archive, and gives
 * up (`unsupported`) on anything where that is not plain: a path with `..`,
 * an entry written through a symlink, a hard link, a special file, an entry
 * that replaces one of another type. The context then takes the disk path
 * (extract first, as before), which also yields the exact errors. Pure.
 */
import { resolveScoped } from '../container-root/user.js';
import type { SourceTree, TreeStat } from './source-tree.js';

export interface IndexNode {
  kind: 'file' | 'dir' | 'symlink';
  /** Permission bits (mode & 0o7777). */
  perm: number;
  /** file: hex sha256 of the content; symlink: the target; dir: ''. */
  digest: string;
  /** file: size in bytes. */
  size: number;
}

/** The fields of a tar header the index needs. */
export interface IndexHeader {
  path: string;
  type: string;
  mode: number;
  linkpath?: string;
}

const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);
/** What lstat reports as the type bits (S_IFREG, S_IFDIR, S_IFLNK). */
const TYPE_BITS = { file: 0o100000, dir: 0o040000, symlink: 0o120000 } as const;
/** Directories the untar makes for paths without their own entry (0777 less the usual umask). */
const IMPLIED_DIR_PERM = 0o755;

/** A tar path as the untar writes it: leading `/` and `./` dropped, no trailing `/`; null = refused (`..`). Pure. */
export function indexPath(p: string): string | null {
  const parts = p.split('/').filter((c) => c !== '' && c !== '.');
  if (parts.includes('..')) return null;
  return parts.join('/');
}

export class ContextIndex implements SourceTree {
  private readonly nodes = new Map<string, IndexNode>([['', { kind: 'dir', perm: IMPLIED_DIR_PERM, digest: '', size: 0 }]]);
  private readonly children = new Map<string, Set<string>>([['', new Set()]]);
  /** Why the index cannot stand for the extracted context; undefined = it can. */
  unsupported: string | undefined;

  /**
   * Adds one entry (in archive order). Returns the normalized path when the
   * entry's content should be hashed and passed to `setDigest`; null otherwise.
   */
  add(h: IndexHeader): string | null {
    if (this.unsupported) return null;
    const rel = indexPath(h.path);
    const kind = FILE_TYPES.has(h.type) ? 'file' : h.type === 'Directory' ? 'dir' : h.type === 'SymbolicLink' ? 'symlink' : null;
    if (rel === null || kind === null) return this.giveUp(`entry ${h.path} (${h.type})`);
    if (rel === '') return kind === 'dir' ? (this.setNode('', 'dir', h.mode, ''), null) : this.giveUp('root entry');
    if (!this.ensureParents(rel)) return this.giveUp(`entry ${h.path} under a non-directory`);
    const old = this.nodes.get(rel);
    if (old && (old.kind !== kind || kind === 'symlink')) return this.giveUp(`entry ${h.path} replaces another`);
    this.setNode(rel, kind, h.mode, kind === 'symlink' ? (h.linkpath ?? '') : '');
    return kind === 'file' ? rel : null;
  }

  /** The content checksum and size of a file added before. */
  setDigest(rel: string, digest: string, size: number): void {
    const n = this.nodes.get(rel);
    if (n?.kind === 'file') Object.assign(n, { digest, size });
  }

  private giveUp(reason: string): null {
    this.unsupported ??= reason;
    return null;
  }

  private setNode(rel: string, kind: IndexNode['kind'], mode: number, digest: string): void {
    this.nodes.set(rel, { kind, perm: mode & 0o7777, digest, size: 0 });
    if (kind === 'dir' && !this.children.has(rel)) this.children.set(rel, new Set());
    if (rel !== '') this.children.get(parentOf(rel))!.add(baseOf(rel));
  }

  /** Makes implied parent directories; false when a parent is not a directory (the untar would refuse it). */
  private ensureParents(rel: string): boolean {
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      const n = this.nodes.get(dir);
      if (!n) this.setNode(dir, 'dir', IMPLIED_DIR_PERM, '');
      else if (n.kind !== 'dir') return false;
    }
    return true;
  }

  node(rel: string): IndexNode | undefined {
    return this.nodes.get(rel);
  }

  // --- SourceTree ---

  async lstat(rel: string): Promise<TreeStat | null> {
    const n = this.nodes.get(rel);
    return n ? { mode: TYPE_BITS[n.kind] | n.perm, isDir: n.kind === 'dir', isSymlink: n.kind === 'symlink', isFile: n.kind === 'file' } : null;
  }

  async list(rel: string): Promise<string[]> {
    return [...(this.children.get(rel) ?? [])].sort((a, b) => (a < b ? -1 : 1));
  }

  async contentDigest(rel: string): Promise<string> {
    return this.nodes.get(rel)?.digest ?? '';
  }

  /** As resolveInRoot: symlinks followed, absolute ones from the root, `..` stops at the root; null = missing. */
  async resolve(rel: string): Promise<string | null> {
    const parts = resolveScoped(rel, (p) => {
      const n = this.nodes.get(p.join('/'));
      return n === undefined ? null : n.kind === 'symlink' ? { symlink: n.digest } : { dir: n.kind === 'dir' };
    });
    return parts === null ? null : parts.join('/');
  }
}

const parentOf = (rel: string) => (rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '');
const baseOf = (rel: string) => rel.slice(rel.lastIndexOf('/') + 1);
