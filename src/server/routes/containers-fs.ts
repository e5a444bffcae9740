/**
 * Container filesystem routes: export (ContainerExport), diff
 * (ContainerChanges), commit (ImageCommit) and archive / docker cp
 * (ContainerArchiveInfo, ContainerArchive, PutContainerArchive).
 */
import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Engine } from '../../engine/api.js';
import type { Operations } from './operation.js';
import { badRequest } from '../errors.js';
import { queryBool, queryList, queryString, type Query } from '../query.js';
import { commitConfigFromBody } from '../wire/commit-body.js';
import { PATH_STAT_HEADER, pathStatHeader, toChangesResponse, toCommitResponse } from '../wire/container-files.js';
import { disableSocketTimeout } from '../streams/json-stream.js';

const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;

function archivePath(request: FastifyRequest): string {
  const p = queryString((request.query as Query).path);
  if (!p) throw badRequest('path: a path inside the container is required');
  return p;
}

function isStream(v: unknown): v is Readable {
  return v !== null && typeof v === 'object' && typeof (v as Readable).pipe === 'function';
}

export function containerFsOperations(engine: Engine): Operations {
  const files = engine.containerFiles;

  /** The tar streams with back-pressure; a client that leaves destroys it, which ends tar and unmounts. */
  async function getContainersExport(request: FastifyRequest, reply: FastifyReply) {
    const stream = await files.export(idOf(request));
    reply.raw.on('close', () => stream.destroy());
    return reply.code(200).type('application/x-tar').send(stream);
  }

  async function getContainersChanges(request: FastifyRequest) {
    return toChangesResponse(await files.changes(idOf(request)));
  }

  /** 201 with the new image's ID; `container` is required. */
  async function postCommit(request: FastifyRequest, reply: FastifyReply) {
    const q = request.query as Query;
    const container = queryString(q.container);
    if (!container) throw badRequest('container: a container name or ID is required');
    const { id } = await files.commit(container, {
      repo: queryString(q.repo),
      tag: queryString(q.tag),
      comment: queryString(q.comment),
      author: queryString(q.author),
      pause: queryBool(q.pause, true),
      changes: queryList(q.changes),
      config: commitConfigFromBody(request.body),
    });
    return reply.code(201).send(toCommitResponse(id));
  }

  async function headContainersArchive(request: FastifyRequest, reply: FastifyReply) {
    const st = await files.statPath(idOf(request), archivePath(request));
    return reply.code(200).header(PATH_STAT_HEADER, pathStatHeader(st)).send();
  }

  async function getContainersArchive(request: FastifyRequest, reply: FastifyReply) {
    const { stat, stream } = await files.getArchive(idOf(request), archivePath(request));
    reply.raw.on('close', () => stream.destroy());
    return reply.code(200).header(PATH_STAT_HEADER, pathStatHeader(stat)).type('application/x-tar').send(stream);
  }

  /** The body is the tar, streamed (never buffered); 200 with an empty body, as Docker. */
  async function putContainersArchive(request: FastifyRequest, reply: FastifyReply) {
    const q = request.query as Query;
    const p = archivePath(request);
    if (!isStream(request.body)) {
      await engine.containers.inspect(idOf(request)); // a missing container is a 404 first, as on every container route
      throw badRequest('the request body must be a tar archive (Content-Type application/x-tar)');
    }
    disableSocketTimeout(request.raw.socket);
    await files.putArchive(idOf(request), p, request.body, { noOverwriteDirNonDir: queryBool(q.noOverwriteDirNonDir), copyUIDGID: queryBool(q.copyUIDGID) });
    return reply.code(200).send();
  }

  return {
    ContainerArchiveInfo: { handler: headContainersArchive },
    ContainerArchive: { handler: getContainersArchive, long: true },
    PutContainerArchive: { handler: putContainersArchive, long: true, bodyLimit: Number.MAX_SAFE_INTEGER },
    ImageCommit: { handler: postCommit, long: true },
    ContainerExport: { handler: getContainersExport, long: true },
    ContainerChanges: { handler: getContainersChanges, long: true },
  };
}
