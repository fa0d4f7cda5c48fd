// /api/v1/records and /api/v1/reload (behavior.md §6). Reads go to the store; writes and reloads
// go through the writer (sources/sync.ts), which persists a change before applying it. The body
// schemas check only JSON shape (wrong types → INVALID_REQUEST); what a record means is the store's
// validateRecord, whose codes (INVALID_NAME, INVALID_TTL …) the client then gets.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { Logger } from '../log.ts';
import type { Plan, ReloadSummary, ReloadTrigger, WriteResult } from '../sources/sync.ts';
import { type RecordKey, type RRset, validateName, validateRecord, validateType } from '../store/record.ts';
import type { Store } from '../store/store.ts';
import { ApiError } from './errors.ts';
import { errorResponses } from './schemas.ts';

/** RecordWriter is what the routes need from sources/sync.ts: writes and reloads, one at a time. */
export interface RecordWriter {
  change(plan: Plan): Promise<WriteResult>;
  reload(trigger: ReloadTrigger): Promise<ReloadSummary>;
}

/** RecordRouteOptions are the dependencies of the record and reload routes. */
export interface RecordRouteOptions {
  readonly store: Store;
  readonly writer: RecordWriter;
  readonly log: Logger;
}

const RecordJson = Type.Object(
  {
    name: Type.String({ description: 'Owner name: lower-case, fully qualified, with the trailing dot.' }),
    type: Type.String({ description: 'A, AAAA, CNAME, MX, TXT, NS, SRV, PTR, SOA or CAA.' }),
    ttl: Type.Integer({ description: 'Seconds, 60–86400.' }),
    value: Type.Array(Type.String(), {
      description: 'One entry per record, in zone-file presentation form.',
    }),
  },
  { description: 'An RRset: every record of one name and type.' },
);

const Values = Type.Union([Type.String(), Type.Array(Type.String())], {
  description: 'One entry per record in zone-file presentation form (a single value may be a string).',
});
const Ttl = Type.Number({ description: 'Seconds, 60–86400; missing or 0 means backend.default_ttl.' });
const RecordType = Type.String({
  description: 'A, AAAA, CNAME, MX, TXT, NS, SRV, PTR, SOA or CAA (any case).',
});

const CreateBody = Type.Object(
  {
    name: Type.String({ description: 'Owner name; the trailing dot is optional.' }),
    type: RecordType,
    ttl: Type.Optional(Ttl),
    value: Values,
  },
  { additionalProperties: false },
);

const UpdateBody = Type.Object(
  {
    name: Type.Optional(Type.String({ description: 'If given, must be the name in the path.' })),
    type: RecordType,
    ttl: Type.Optional(Ttl),
    value: Values,
  },
  { additionalProperties: false },
);

const NameParams = Type.Object({
  name: Type.String({ description: 'Owner name; the trailing dot is optional.' }),
});
const TypeQuery = Type.Object({ type: Type.Optional(RecordType) }, { additionalProperties: false });
const ListQuery = Type.Object(
  {
    type: Type.Optional(RecordType),
    zone: Type.Optional(Type.String({ description: 'Only names at or below this name.' })),
  },
  { additionalProperties: false },
);

const ReloadJson = Type.Object({
  added: Type.Integer({ description: 'RRsets added.' }),
  updated: Type.Integer({ description: 'RRsets whose TTL or values changed.' }),
  deleted: Type.Integer({ description: 'RRsets removed.' }),
  version: Type.Integer({ description: 'Store version after the reload.' }),
  durationMs: Type.Number({ description: 'How long the reload took, in milliseconds.' }),
});

function toJson(rrset: RRset) {
  return { name: rrset.name, type: rrset.type, ttl: rrset.ttl, value: [...rrset.values] };
}

function values(value: string | string[]): string[] {
  return typeof value === 'string' ? [value] : value;
}

/** recordRoutes registers the record routes and the reload route (prefix /api/v1 in app.ts). */
export const recordRoutes: FastifyPluginAsyncTypebox<RecordRouteOptions> = async (app, options) => {
  const { store, writer, log } = options;
  const tags = ['records'];

  app.get(
    '/records',
    {
      schema: {
        tags,
        summary: 'List RRsets',
        description: 'Every RRset in canonical order, narrowed by type and/or zone.',
        querystring: ListQuery,
        response: { 200: Type.Array(RecordJson), ...errorResponses(400, 401) },
      },
    },
    async (request) => store.list(request.query).map(toJson),
  );

  app.get(
    '/records/:name',
    {
      schema: {
        tags,
        summary: 'Get the RRsets of a name',
        params: NameParams,
        querystring: TypeQuery,
        response: { 200: Type.Array(RecordJson), ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const found = store.get(request.params.name, request.query.type);
      if (found.length === 0) {
        const what =
          request.query.type === undefined ? 'no records' : `no ${request.query.type.toUpperCase()} record`;
        throw new ApiError('RECORD_NOT_FOUND', `${what} at ${validateName(request.params.name)}`);
      }
      return found.map(toJson);
    },
  );

  app.post(
    '/records',
    {
      schema: {
        tags,
        summary: 'Create an RRset',
        description:
          'Written back to the source before it is answered; 409 if the name already has this type.',
        body: CreateBody,
        response: { 201: RecordJson, ...errorResponses(400, 401, 409, 503) },
      },
    },
    async (request, reply) => {
      const { name, type, ttl, value } = request.body;
      const input = { name, type, value: values(value), ...(ttl === undefined ? {} : { ttl }) };
      const result = await writer.change((s) => ({ added: [validateRecord(input, s.defaultTtl)] }));
      const rrset = result.added[0] as RRset;
      log.info(
        { op: 'create', name: rrset.name, type: rrset.type, version: result.version },
        'record created',
      );
      return reply.code(201).send(toJson(rrset));
    },
  );

  app.put(
    '/records/:name',
    {
      schema: {
        tags,
        summary: 'Replace an RRset',
        description:
          "Replaces the RRset of the name and the body's type whole: values and TTL (a missing TTL means the default).",
        params: NameParams,
        body: UpdateBody,
        response: { 200: RecordJson, ...errorResponses(400, 401, 404, 503) },
      },
    },
    async (request) => {
      const { name, type, ttl, value } = request.body;
      const owner = validateName(request.params.name);
      if (name !== undefined && validateName(name) !== owner) {
        throw new ApiError(
          'INVALID_REQUEST',
          `body name ${validateName(name)} differs from the name in the path, ${owner}`,
        );
      }
      const input = { name: owner, type, value: values(value), ...(ttl === undefined ? {} : { ttl }) };
      const result = await writer.change((s) => ({ updated: [validateRecord(input, s.defaultTtl)] }));
      const rrset = result.updated[0] as RRset;
      log.info(
        { op: 'update', name: rrset.name, type: rrset.type, version: result.version },
        'record updated',
      );
      return toJson(rrset);
    },
  );

  app.delete(
    '/records/:name',
    {
      schema: {
        tags,
        summary: 'Delete RRsets',
        description: 'Deletes the RRset of the given type, or without `type` every RRset at the name.',
        params: NameParams,
        querystring: TypeQuery,
        response: { 204: Type.Null({ description: 'Deleted.' }), ...errorResponses(400, 401, 404, 503) },
      },
    },
    async (request, reply) => {
      const owner = validateName(request.params.name);
      const type = request.query.type === undefined ? undefined : validateType(request.query.type, owner);
      const result = await writer.change((s) => {
        const keys: RecordKey[] =
          type === undefined
            ? s.rrsetsAt(owner).map((r) => ({ name: r.name, type: r.type }))
            : [{ name: owner, type }];
        if (keys.length === 0) throw new ApiError('RECORD_NOT_FOUND', `no records at ${owner}`);
        return { deleted: keys };
      });
      for (const rrset of result.deleted) {
        log.info(
          { op: 'delete', name: rrset.name, type: rrset.type, version: result.version },
          'record deleted',
        );
      }
      return reply.code(204).send(null); // 204 carries no body (RFC 9110 §15.3.5)
    },
  );

  app.post(
    '/reload',
    {
      schema: {
        tags: ['reload'],
        summary: 'Reload the records from the source',
        description:
          'Re-reads the source and applies only the differences, atomically. A refused source changes nothing (422, with the line).',
        response: { 200: ReloadJson, ...errorResponses(401, 422) },
      },
    },
    async () => writer.reload('api'),
  );
};
