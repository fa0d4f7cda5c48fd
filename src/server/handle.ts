// bytes → bytes: the admission policy at the edge (miekg/dns serveDNS and acceptfunc.go,
// behavior.md §3), decoding, resolving and encoding. Every outcome is a value; an unexpected
// throw becomes SERVFAIL and one log line (CoreDNS ServeDNS recover).
import { HEADER_OCTETS, MAX_UDP_PAYLOAD, Opcode, Rcode } from '../dns/constants.ts';
import { type Edns, responseSizeLimit } from '../dns/edns.ts';
import { WireError } from '../dns/errors.ts';
import {
  decodeMessage,
  encodeResponse,
  type Header,
  type Question,
  readHeader,
  readQuestion,
} from '../dns/message.ts';
import { lowerName } from '../dns/name.ts';
import { Reader } from '../dns/reader.ts';
import type { Logger } from '../log.ts';
import type { Answer, CacheNote, Client, Query } from '../resolve/answer.ts';
import { fastKey, fastParse, patchResponse, sameKey } from './fast-path.ts';
import type { CachedResponse, ResponseCache } from './response-cache.ts';

/** MAX_TCP_MESSAGE is the largest message the two-octet TCP length prefix can carry (RFC 1035 §4.2.2). */
export const MAX_TCP_MESSAGE = 65535;

/** Resolve decides the answer to an admitted query; it may be asynchronous (forwarding). */
export type Resolve = (query: Query, note?: CacheNote) => Answer | Promise<Answer>;

/** QueryLog receives one entry per answered query, after the response has been handed to the socket. */
export type QueryLog = (entry: QueryLogEntry) => void;

/** QueryLogEntry is what the query log records. */
export interface QueryLogEntry {
  readonly client: Client;
  readonly qname: string;
  readonly qtype: number;
  readonly rcode: number;
  readonly truncated: boolean;
  readonly size: number;
  readonly durationMs: number;
}

/** HandlerOptions are the dependencies of a handler. */
export interface HandlerOptions {
  readonly resolve: Resolve;
  readonly log: Logger;
  readonly queryLog?: QueryLog;
  /** cache, when given, holds encoded local answers for the fast path. */
  readonly cache?: ResponseCache;
}

/** Handled is what a handler returns: response octets, or undefined to send nothing. */
export type Handled = Uint8Array | undefined;

/** Handler turns one query message into its response. */
export type Handler = (bytes: Uint8Array, client: Client) => Handled | Promise<Handled>;

/** admit applies the header rules: drop unreadable messages and responses, NOTIMP, FORMERR. */
export function admit(header: Header | undefined): 'drop' | 'accept' | number {
  if (header === undefined || header.qr) return 'drop'; // a reply to a reply can be used to amplify
  if (header.opcode !== Opcode.QUERY) return Rcode.NOTIMP;
  if (header.qdcount !== 1) return Rcode.FORMERR;
  return 'accept';
}

/** createHandler returns the handler shared by the UDP and TCP listeners. */
export function createHandler(options: HandlerOptions): Handler {
  const { resolve, log, queryLog, cache } = options;

  return (bytes, client) => {
    const started = queryLog ? performance.now() : 0;
    const fast = cache === undefined ? undefined : fastParse(bytes, client.transport);
    if (fast !== undefined) {
      const hit = (cache as ResponseCache).get(fast.hash);
      if (hit !== undefined && sameKey(hit.key, bytes, fast)) {
        const out = patchResponse(hit.bytes, bytes, fast.nameEnd);
        if (queryLog) logHit(queryLog, bytes, client, hit, started);
        return out;
      }
    }
    const header = readHeader(bytes);
    const verdict = admit(header);
    if (verdict === 'drop' || header === undefined) return undefined;
    if (verdict !== 'accept') return refuseEarly(bytes, header, verdict, client);

    let message: ReturnType<typeof decodeMessage>;
    try {
      message = decodeMessage(bytes);
    } catch (err) {
      if (err instanceof WireError) return refuseEarly(bytes, header, Rcode.FORMERR, client);
      throw err;
    }
    const question = message.question[0] as Question;
    const edns = message.edns;
    // RFC 6891 §6.1.3: we speak version 0 only; answer BADVERS with our OPT.
    if (edns !== undefined && edns.version > 0)
      return errorResponse(header, question, edns, Rcode.BADVERS, client);

    const query: Query = {
      id: header.id,
      name: lowerName(question.name),
      askedName: question.name,
      type: question.type,
      class: question.class,
      rd: header.rd,
      cd: header.cd,
      ...(edns ? { edns } : {}),
      client,
    };
    const note: CacheNote | undefined =
      fast === undefined ? undefined : { dependencies: new Set(), cacheable: false };
    const finish = (answer: Answer, sync: boolean): Handled => {
      const response = respond(query, header, answer);
      if (sync && note?.cacheable && fast !== undefined) {
        (cache as ResponseCache).set(fast.hash, {
          key: fastKey(bytes, fast),
          bytes: Uint8Array.from(response.bytes),
          rcode: answer.rcode,
          truncated: response.truncated,
          dependencies: [...note.dependencies],
        });
      }
      if (queryLog) {
        queryLog({
          client,
          qname: question.name,
          qtype: question.type,
          rcode: answer.rcode,
          truncated: response.truncated,
          size: response.bytes.length,
          durationMs: performance.now() - started,
        });
      }
      return response.bytes;
    };
    const fail = (err: unknown): Handled => {
      log.error({ err, qname: question.name, qtype: question.type }, 'query failed; answering SERVFAIL');
      return errorResponse(header, question, edns, Rcode.SERVFAIL, client);
    };
    try {
      const answer = resolve(query, note);
      if (answer instanceof Promise) return answer.then((a) => finish(a, false), fail);
      return finish(answer, true);
    } catch (err) {
      return fail(err);
    }
  };
}

function logHit(
  queryLog: QueryLog,
  bytes: Uint8Array,
  client: Client,
  hit: CachedResponse,
  started: number,
): void {
  const question = readQuestion(new Reader(bytes, HEADER_OCTETS));
  queryLog({
    client,
    qname: question.name,
    qtype: question.type,
    rcode: hit.rcode,
    truncated: hit.truncated,
    size: hit.bytes.length,
    durationMs: performance.now() - started,
  });
}

function respond(query: Query, header: Header, answer: Answer) {
  const maxSize = query.client.transport === 'udp' ? responseSizeLimit(query.edns) : MAX_TCP_MESSAGE;
  return encodeResponse(
    {
      id: header.id,
      opcode: header.opcode,
      aa: answer.aa,
      rd: header.rd,
      ra: answer.ra === true,
      cd: header.cd,
      rcode: answer.rcode,
      question: { name: query.askedName, type: query.type, class: query.class },
      answer: answer.answer,
      authority: answer.authority,
      additional: answer.additional,
      ...(query.edns ? { edns: { udpSize: MAX_UDP_PAYLOAD, do: query.edns.do } } : {}),
    },
    maxSize,
  );
}

// An error response for a query we could not (or would not) decode fully: the question is echoed
// when it can be read, and OPT when the query carried a readable one.
function refuseEarly(bytes: Uint8Array, header: Header, rcode: number, client: Client): Handled {
  let question: Question | undefined;
  let edns: Edns | undefined;
  try {
    const message = decodeMessage(bytes);
    if (message.question.length === 1) question = message.question[0];
    edns = message.edns;
  } catch {
    // Something after the header is malformed: echo the question if it alone can be read.
    if (header.qdcount === 1) question = tryReadQuestion(bytes);
  }
  return errorResponse(header, question, edns, rcode, client);
}

function tryReadQuestion(bytes: Uint8Array): Question | undefined {
  try {
    return readQuestion(new Reader(bytes, HEADER_OCTETS));
  } catch {
    return undefined; // not even the question: the header alone goes back
  }
}

function errorResponse(
  header: Header,
  question: Question | undefined,
  edns: Edns | undefined,
  rcode: number,
  client: Client,
): Handled {
  const maxSize = client.transport === 'udp' ? responseSizeLimit(edns) : MAX_TCP_MESSAGE;
  return encodeResponse(
    {
      id: header.id,
      opcode: header.opcode,
      aa: false,
      rd: header.rd,
      ra: false,
      cd: header.cd,
      rcode,
      ...(question ? { question } : {}),
      answer: [],
      authority: [],
      additional: [],
      ...(edns ? { edns: { udpSize: MAX_UDP_PAYLOAD, do: edns.do } } : {}),
    },
    maxSize,
  ).bytes;
}
