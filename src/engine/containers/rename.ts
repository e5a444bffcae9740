/** Rename: one UNIQUE-checked update of the name column. */
import { conflict } from '../errors.js';
import { withContainerLock } from '../locks.js';
import { eventAttributes, type ContainerContext } from './context.js';
import { isUniqueViolation } from './create.js';
import { ensureTransition } from '../model/lifecycle.js';
import { findContainer, validateName } from './resolve.js';
import { faultPoint } from '../fault.js';

export async function renameContainer(ctx: ContainerContext, ref: string, newName: string): Promise<void> {
  const name = validateName(newName);
  const { id } = findContainer(ctx, ref);
  await withContainerLock(ctx.mutex, id, async () => {
    const row = findContainer(ctx, id);
    ensureTransition('rename', row.state.status, id);
    faultPoint('rename.before-record');
    if (row.name === name) throw conflict('BERTH_CONTAINER_RENAME_SAME', 'Renaming a container with the same name as its current name');
    try {
      ctx.repo.rename(id, name);
      faultPoint('rename.after-record');
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const holder = ctx.repo.getByName(name)?.id ?? '';
      throw conflict(
        'BERTH_CONTAINER_NAME_IN_USE',
        `Error when allocating new name: Conflict. The container name "/${name}" is already in use by container "${holder}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
    }
    ctx.events.emit({ type: 'container', action: 'rename', id, attributes: eventAttributes({ ...row, name }, { oldName: `/${row.name}` }) });
  });
}
