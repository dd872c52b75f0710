/**
 * /v1/groups and /v1/groups/{id} (spec §3.5, §3.6, §6): the group tree in pre-order with md5
 * ids, `checks` null when a group has none, children and parent as relationships.
 */
import type { Context } from 'koa';
import type { GroupSnapshot } from '../native';
import { ApiError, sendJson } from './jsonapi';
import type { ControlSurface } from './surface';

function relation(id: string) {
  return { type: 'groups', id };
}

export function toJsonApiGroup(g: GroupSnapshot) {
  return {
    type: 'groups',
    id: g.id,
    attributes: {
      path: g.path,
      name: g.name,
      checks: g.checks.length === 0 ? null : g.checks.map((c) => ({ id: c.id, path: c.path, name: c.name, passes: c.passes, fails: c.fails })),
    },
    relationships: {
      groups: { data: g.childIds.map(relation) },
      parent: { data: g.parentId == null ? null : relation(g.parentId) },
    },
  };
}

export function listGroups(surface: ControlSurface) {
  return (ctx: Context) => sendJson(ctx, 200, { data: surface.groups().map(toJsonApiGroup) });
}

export function getGroup(surface: ControlSurface) {
  return (ctx: Context) => {
    const id = (ctx.params.id as string | undefined) ?? '';
    const group = surface.groups().find((g) => g.id === id);
    if (!group) throw new ApiError(404, 'Not Found', 'No group with that ID was found');
    sendJson(ctx, 200, { data: toJsonApiGroup(group) });
  };
}
