/**
 * Verification of AWS Signature Version 4 (header form, `AWS4-HMAC-SHA256`) for requests signed
 * with Baton-issued access keys, so the AWS SDKs and CLI authenticate unchanged.
 *
 * The canonical request is rebuilt from the bytes and the raw URL exactly as received, following
 * AWS's rules for services other than S3: https://docs.aws.amazon.com/IAM/latest/UserGuide/
 * create-signed-request.html (canonical request, string to sign, signing key), checked against
 * AWS's published test suite (botocore tests/unit/auth/aws4_testsuite) and @smithy/signature-v4.
 *
 * Failures are `AuthError`s carrying the exception names, statuses and messages AWS JSON-protocol
 * services answer with. Messages never contain the secret, the expected signature, or the
 * caller's signature; values echoed from the request are cut short and reduced to printable ASCII.
 */
import { createHmac, hash, timingSafeEqual } from 'node:crypto';
import type { AuthRequest, Authenticate, Principal } from './types.js';
import { AuthError } from './types.js';

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';
/** AWS accepts a request whose time is at most 15 minutes from its own clock, either way. */
export const DEFAULT_MAX_SKEW_MS = 15 * 60 * 1000;
/** Longest Authorization header accepted; a real one is about 250 characters. */
const MAX_AUTHORIZATION_LENGTH = 4096;
/** Most headers a signature may cover (the SDKs sign five to ten). */
const MAX_SIGNED_HEADERS = 64;
const TERMINATOR = 'aws4_request';
/** Headers that may appear once: a second one is an injection attempt or a broken proxy. */
const SINGLE_HEADERS = [
  'authorization',
  'host',
  'x-amz-date',
  'date',
  'x-amz-content-sha256',
  'x-amz-security-token',
];

/** What `lookupKey` knows about an access key id. */
export type SigningKeyEntry =
  | { readonly state: 'active'; readonly name: string; readonly secret: string }
  | { readonly state: 'disabled' };

/** Finds an access key; `undefined` when there is no such key. */
export type LookupKey = (accessKeyId: string) => Promise<SigningKeyEntry | undefined>;

export interface SigV4Options {
  /** The region clients must sign for (e.g. `us-east-1`). */
  readonly region: string;
  /** The service name in the credential scope: `states` for Step Functions. */
  readonly service: string;
  readonly lookupKey: LookupKey;
  /** The server's clock, epoch milliseconds. */
  readonly nowMs: () => number;
  /** Largest allowed distance between the request's time and `nowMs` (default 15 minutes). */
  readonly maxSkewMs?: number;
  /** Called after a request verified (e.g. to record the key's last use). Must not throw. */
  readonly onAuthenticated?: (principal: Principal) => void;
}

/** The parts of an `Authorization: AWS4-HMAC-SHA256 ...` header. */
export interface ParsedAuthorization {
  readonly accessKeyId: string;
  readonly scopeDate: string;
  readonly region: string;
  readonly service: string;
  readonly terminator: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

/**
 * Builds an `Authenticate` that verifies SigV4 header signatures.
 *
 * The returned function resolves to the principal of the access key that signed the request,
 * and rejects with `AuthError`:
 * - MissingAuthenticationTokenException (403) when there is no Authorization header;
 * - IncompleteSignatureException (400) when the header or the signed headers are malformed;
 * - InvalidSignatureException (400) for a wrong scope, an expired or future date, a payload hash
 *   that does not match the body, or a signature that does not match;
 * - UnrecognizedClientException (400) for an unknown or disabled key, or a security token.
 * It rejects with whatever `lookupKey` throws (a store or decryption failure) unchanged.
 */
export function createSigV4Authenticator(options: SigV4Options): Authenticate {
  const maxSkewMs = options.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  const signingKeys = new SigningKeyCache();
  return async (request) => {
    const headers = request.headers;
    for (const name of SINGLE_HEADERS) singleHeader(headers, name);
    const authorization = singleHeader(headers, 'authorization');
    if (authorization === undefined) throw missingAuthentication(request.url);
    const parsed = parseAuthorization(authorization);

    // Baton issues no temporary credentials, so any session token is one it never issued.
    if (headerValues(headers, 'x-amz-security-token').length > 0) throw unrecognizedClient();

    const when = requestTime(headers, parsed.signedHeaders);
    checkScope(parsed, when.amzDate, options.region, options.service);
    checkSkew(when, options.nowMs(), maxSkewMs);

    const payloadHash = sha256Hex(request.body);
    checkContentSha256(headers, payloadHash);

    const key = await options.lookupKey(parsed.accessKeyId);
    if (key === undefined || key.state !== 'active') throw unrecognizedClient();

    const expected = computeSignature(
      request,
      parsed,
      when.amzDate,
      signingKeys.get(key.secret, parsed.scopeDate, parsed.region, parsed.service),
      payloadHash,
    );
    if (!signaturesMatch(expected, parsed.signature)) throw signatureMismatch();

    const principal: Principal = { accessKeyId: parsed.accessKeyId, name: key.name };
    options.onAuthenticated?.(principal);
    return principal;
  };
}

// ---------------------------------------------------------------------------------------------
// The Authorization header

/**
 * Parses `AWS4-HMAC-SHA256 Credential=ID/DATE/REGION/SERVICE/aws4_request,
 * SignedHeaders=a;b;c, Signature=HEX`.
 * @throws AuthError IncompleteSignatureException naming what is missing or malformed.
 */
export function parseAuthorization(header: string): ParsedAuthorization {
  if (header.length > MAX_AUTHORIZATION_LENGTH) {
    throw incomplete(
      `The Authorization header is longer than ${MAX_AUTHORIZATION_LENGTH} characters.`,
    );
  }
  const trimmed = header.trim();
  const space = trimmed.indexOf(' ');
  const algorithm = space === -1 ? trimmed : trimmed.slice(0, space);
  if (algorithm !== SIGV4_ALGORITHM) {
    throw incomplete(
      `Unsupported AWS 'algorithm': ${quote(algorithm)}. Sign requests with ${SIGV4_ALGORITHM}.`,
    );
  }
  const fields = new Map<string, string>();
  const rest = space === -1 ? '' : trimmed.slice(space + 1);
  for (const raw of rest.split(',')) {
    const part = raw.trim();
    if (part === '') continue;
    const equals = part.indexOf('=');
    if (equals === -1) {
      throw incomplete(
        `${quote(part)} not a valid key=value pair (missing equal-sign) in Authorization header.`,
      );
    }
    const name = part.slice(0, equals);
    if (fields.has(name)) {
      throw incomplete(`The Authorization header has more than one ${quote(name)} parameter.`);
    }
    fields.set(name, part.slice(equals + 1));
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (credential === undefined || signedHeaders === undefined || signature === undefined) {
    const missing = [
      credential === undefined ? "Authorization header requires 'Credential' parameter." : '',
      signature === undefined ? "Authorization header requires 'Signature' parameter." : '',
      signedHeaders === undefined ? "Authorization header requires 'SignedHeaders' parameter." : '',
    ];
    throw incomplete(missing.filter((m) => m !== '').join(' '));
  }
  const scope = credential.split('/');
  const [accessKeyId, scopeDate, region, service, terminator] = scope;
  if (
    scope.length !== 5 ||
    accessKeyId === undefined ||
    scopeDate === undefined ||
    region === undefined ||
    service === undefined ||
    terminator === undefined
  ) {
    throw incomplete(
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got ${quote(credential)}.`,
    );
  }
  if (accessKeyId === '') throw incomplete('The Credential has an empty access key id.');
  return {
    accessKeyId,
    scopeDate,
    region,
    service,
    terminator,
    signedHeaders: parseSignedHeaders(signedHeaders),
    signature,
  };
}

/** Lower-case header names, sorted and unique, as the canonical request lists them. */
const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;

function parseSignedHeaders(list: string): readonly string[] {
  const names = list.split(';');
  if (names.length > MAX_SIGNED_HEADERS) {
    throw incomplete(`SignedHeaders lists more than ${MAX_SIGNED_HEADERS} headers.`);
  }
  for (const [i, name] of names.entries()) {
    if (!HEADER_NAME.test(name)) {
      throw incomplete(
        `SignedHeaders must be lower-case header names separated by ';', got ${quote(list)}.`,
      );
    }
    const previous = names[i - 1];
    if (previous !== undefined && previous >= name) {
      throw incomplete(`SignedHeaders must be sorted and without repeats, got ${quote(list)}.`);
    }
  }
  if (!names.includes('host')) {
    throw incomplete("'Host' must be a 'SignedHeader' in the AWS Authorization.");
  }
  return names;
}

// ---------------------------------------------------------------------------------------------
// Time and scope

interface RequestTime {
  /** `YYYYMMDDTHHMMSSZ`, as it appears in the string to sign. */
  readonly amzDate: string;
  readonly ms: number;
}

const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
/** RFC 9110 IMF-fixdate, the only form of `Date` a signer produces. */
const HTTP_DATE =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * The request's time: `X-Amz-Date`, or else `Date`. Whichever is used must be signed, or a
 * captured request could be replayed later with a fresh date.
 */
function requestTime(headers: AuthRequest['headers'], signed: readonly string[]): RequestTime {
  const amzDate = singleHeader(headers, 'x-amz-date');
  if (amzDate !== undefined) {
    if (!signed.includes('x-amz-date')) {
      throw incomplete("'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.");
    }
    const ms = parseAmzDate(amzDate.trim());
    if (ms === undefined) {
      throw incomplete(
        `Date must be in ISO-8601 'basic format'. Got ${quote(amzDate)}. See http://en.wikipedia.org/wiki/ISO_8601`,
      );
    }
    return { amzDate: amzDate.trim(), ms };
  }
  const date = singleHeader(headers, 'date');
  if (date === undefined) {
    throw incomplete(
      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    );
  }
  if (!signed.includes('date')) {
    throw incomplete("'Date' must be a 'SignedHeader' in the AWS Authorization.");
  }
  const ms = parseHttpDate(date.trim());
  if (ms === undefined) {
    throw incomplete(`The Date header is not an HTTP date (IMF-fixdate): ${quote(date)}.`);
  }
  return { amzDate: formatAmzDate(ms), ms };
}

function parseAmzDate(text: string): number | undefined {
  const m = AMZ_DATE.exec(text);
  if (m === null) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  return utc(y, mo, d, h, mi, s);
}

function parseHttpDate(text: string): number | undefined {
  const m = HTTP_DATE.exec(text);
  if (m === null) return undefined;
  const month = MONTHS.indexOf(m[2] ?? '') + 1;
  return utc(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
}

/** Epoch ms of a calendar time, or undefined when a field is out of range (e.g. 20150231). */
function utc(...[y, mo, d, h, mi, s]: readonly (number | undefined)[]): number | undefined {
  if (
    y === undefined ||
    mo === undefined ||
    d === undefined ||
    h === undefined ||
    mi === undefined ||
    s === undefined
  ) {
    return undefined;
  }
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  // Date.UTC rolls out-of-range fields over (February 31st becomes March 3rd, and years 0-99
  // become 1900-1999), so the fields must come back unchanged. Compared as numbers, not by
  // formatting the instant: this runs on every request.
  const date = new Date(ms);
  return date.getUTCFullYear() === y &&
    date.getUTCMonth() === mo - 1 &&
    date.getUTCDate() === d &&
    date.getUTCHours() === h &&
    date.getUTCMinutes() === mi &&
    date.getUTCSeconds() === s
    ? ms
    : undefined;
}

/** `YYYYMMDDTHHMMSSZ` of an instant. */
export function formatAmzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

function checkScope(
  parsed: ParsedAuthorization,
  amzDate: string,
  region: string,
  service: string,
): void {
  if (parsed.terminator !== TERMINATOR) {
    throw invalid(
      `Credential should be scoped with a valid terminator: '${TERMINATOR}', not ${quote(parsed.terminator)}.`,
    );
  }
  if (parsed.service !== service) {
    throw invalid(`Credential should be scoped to correct service: '${service}'.`);
  }
  if (parsed.region !== region) {
    throw invalid(`Credential should be scoped to a valid region, not ${quote(parsed.region)}.`);
  }
  const day = amzDate.slice(0, 8);
  if (parsed.scopeDate !== day) {
    throw invalid(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: ${quote(parsed.scopeDate)} != '${day}', from '${amzDate}'.`,
    );
  }
}

/** AWS's wording, e.g. "Signature expired: 20140325T143453Z is now earlier than ...". */
function checkSkew(when: RequestTime, nowMs: number, maxSkewMs: number): void {
  // The times in the messages are formatted only for a request that fails.
  if (when.ms < nowMs - maxSkewMs) {
    throw invalid(
      `Signature expired: ${when.amzDate} is now earlier than ${formatAmzDate(nowMs - maxSkewMs)} (${formatAmzDate(nowMs)} - ${maxSkewMs / 60_000} min.)`,
    );
  }
  if (when.ms > nowMs + maxSkewMs) {
    throw invalid(
      `Signature not yet current: ${when.amzDate} is still later than ${formatAmzDate(nowMs + maxSkewMs)} (${formatAmzDate(nowMs)} + ${maxSkewMs / 60_000} min.)`,
    );
  }
}

/**
 * For services other than S3 the payload hash in the canonical request is always the body's
 * SHA-256. A client may also send it as `x-amz-content-sha256`; it must then be that hash
 * (S3's UNSIGNED-PAYLOAD and streaming forms do not apply here).
 */
function checkContentSha256(headers: AuthRequest['headers'], payloadHash: string): void {
  const declared = singleHeader(headers, 'x-amz-content-sha256');
  if (declared === undefined) return;
  const value = declared.trim();
  if (!/^[0-9a-f]{64}$/.test(value)) {
    throw incomplete(
      `x-amz-content-sha256 must be the lower-case hex SHA-256 of the body, got ${quote(value)}.`,
    );
  }
  if (value !== payloadHash) {
    throw invalid("The provided 'x-amz-content-sha256' header does not match what was computed.");
  }
}

// ---------------------------------------------------------------------------------------------
// The canonical request and the signature

/**
 * The canonical request for `request` as a signer would have built it, from the raw URL and the
 * headers listed in `signedHeaders`, as a byte string (one character per byte; hash it as
 * latin1).
 * @throws AuthError IncompleteSignatureException when a signed header is absent.
 */
export function canonicalRequest(
  request: AuthRequest,
  signedHeaders: readonly string[],
  payloadHash: string,
): string {
  const { path, query } = splitTarget(request.url);
  const lines = signedHeaders.map((name) => `${name}:${canonicalHeaderValue(request, name)}\n`);
  return [
    latin1(request.method),
    canonicalUri(path),
    canonicalQuery(query),
    lines.join(''),
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
}

function computeSignature(
  request: AuthRequest,
  parsed: ParsedAuthorization,
  amzDate: string,
  key: Buffer,
  payloadHash: string,
): string {
  const scope = [parsed.scopeDate, parsed.region, parsed.service, TERMINATOR].join('/');
  const canonical = canonicalRequest(request, parsed.signedHeaders, payloadHash);
  const stringToSign = [
    SIGV4_ALGORITHM,
    amzDate,
    scope,
    hash('sha256', Buffer.from(canonical, 'latin1'), 'hex'),
  ].join('\n');
  return createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
}

/** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"). */
export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  let key = Buffer.from(`AWS4${secret}`, 'utf8');
  for (const part of [date, region, service, TERMINATOR]) {
    key = createHmac('sha256', key).update(part, 'utf8').digest();
  }
  return key;
}

/** Most signing keys remembered: a key signs with one scope a day (two around midnight). */
const MAX_SIGNING_KEYS = 1_000;

/**
 * The signing key of a secret and scope, derived once (four HMACs) and reused: AWS's signers
 * cache it the same way, as it changes only with the day. Entries are made only for secrets
 * `lookupKey` returned and for scopes `checkScope` accepted, so a caller cannot fill the cache
 * with made-up values; the oldest entry goes first when it is full.
 */
export class SigningKeyCache {
  readonly #keys = new Map<string, Buffer>();

  constructor(private readonly maxEntries = MAX_SIGNING_KEYS) {}

  get(secret: string, date: string, region: string, service: string): Buffer {
    // Scope parts never contain NUL (they passed checkScope), so the cache key is unambiguous.
    const id = `${date}\0${region}\0${service}\0${secret}`;
    const known = this.#keys.get(id);
    if (known !== undefined) return known;
    const key = signingKey(secret, date, region, service);
    this.#keys.set(id, key);
    if (this.#keys.size > this.maxEntries) {
      const oldest = this.#keys.keys().next();
      if (oldest.done !== true) this.#keys.delete(oldest.value);
    }
    return key;
  }

  get size(): number {
    return this.#keys.size;
  }
}

/** Compares in time independent of where the strings differ. */
function signaturesMatch(expectedHex: string, providedHex: string): boolean {
  if (!/^[0-9a-f]{64}$/.test(providedHex)) return false;
  return timingSafeEqual(Buffer.from(expectedHex, 'ascii'), Buffer.from(providedHex, 'ascii'));
}

function splitTarget(url: string): { path: string; query: string } {
  if (!url.startsWith('/')) {
    throw incomplete("The request target must be a path starting with '/'.");
  }
  const hash = url.indexOf('#');
  const target = hash === -1 ? url : url.slice(0, hash);
  const question = target.indexOf('?');
  return question === -1
    ? { path: target, query: '' }
    : { path: target.slice(0, question), query: target.slice(question + 1) };
}

/**
 * Services other than S3 normalise the path (RFC 3986 dot segments removed, empty segments
 * dropped) and URI-encode it once more: the path on the wire is already encoded once by the
 * client, so `%20` becomes `%2520` ("each path segment must be URI-encoded twice").
 */
export function canonicalUri(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const trailing = segments.length > 0 && path.endsWith('/') ? '/' : '';
  return `/${segments.map((s) => uriEncode(byteString(s))).join('/')}${trailing}`;
}

/**
 * Parameters decoded, then re-encoded with AWS's URI encoding (unreserved characters kept,
 * everything else `%XX` upper-case) and sorted by name, then value. A parameter without `=`
 * has an empty value.
 */
export function canonicalQuery(query: string): string {
  if (query === '') return '';
  const pairs: [string, string][] = [];
  for (const part of query.split('&')) {
    if (part === '') continue;
    const equals = part.indexOf('=');
    const name = equals === -1 ? part : part.slice(0, equals);
    const value = equals === -1 ? '' : part.slice(equals + 1);
    pairs.push([uriEncode(percentDecode(name)), uriEncode(percentDecode(value))]);
  }
  pairs.sort(([an, av], [bn, bv]) => compare(an, bn) || compare(av, bv));
  return pairs.map(([n, v]) => `${n}=${v}`).join('&');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A signed header's canonical value: each occurrence trimmed with runs of white space collapsed
 * to one space, occurrences joined with commas in the order they arrived. Repeated headers must
 * arrive as arrays (Node's `rawHeaders`): a value Node already joined with ", " signs differently.
 */
function canonicalHeaderValue(request: AuthRequest, name: string): string {
  const values = headerValues(request.headers, name);
  if (values.length === 0) {
    throw incomplete(
      `${quote(name)} is named as a SignedHeader, but it does not exist in the HTTP request.`,
    );
  }
  const [only] = values;
  if (values.length === 1 && only !== undefined) return canonicalHeaderOccurrence(only);
  return values.map(canonicalHeaderOccurrence).join(',');
}

const HEADER_WHITE_SPACE = /[\t\n\v\f\r ]+/g;

function canonicalHeaderOccurrence(value: string): string {
  return latin1(value).replace(HEADER_WHITE_SPACE, ' ').trim();
}

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/** AWS's UriEncode of bytes: unreserved characters as they are, every other byte `%XX`. */
function uriEncode(bytes: Buffer): string {
  let out = '';
  for (const byte of bytes) {
    const char = String.fromCharCode(byte);
    out += UNRESERVED.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** `%XX` sequences to bytes; anything else (including a stray `%`) stays as it is. */
function percentDecode(text: string): Buffer {
  const bytes = byteString(text);
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] ?? 0;
    const hex = byte === 0x25 ? bytes.subarray(i + 1, i + 3).toString('latin1') : '';
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      out.push(parseInt(hex, 16));
      i += 2;
    } else {
      out.push(byte);
    }
  }
  return Buffer.from(out);
}

/**
 * The bytes a string stands for. Node hands over URLs and header values as byte strings (each
 * byte one character, latin1), so those map back to the bytes on the wire; a string holding a
 * character above U+00FF cannot be such a string and is taken as UTF-8.
 */
function byteString(text: string): Buffer {
  return Buffer.from(text, isByteString(text) ? 'latin1' : 'utf8');
}

/**
 * The byte-string form of a string (see `byteString`), one character per byte: the string
 * itself when it already is one (the usual case: Node's header values and URLs), without a
 * round trip through a Buffer.
 */
function latin1(text: string): string {
  return isByteString(text) ? text : Buffer.from(text, 'utf8').toString('latin1');
}

function isByteString(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0xff) return false;
  }
  return true;
}

/** One-shot `hash` (Node 20.12+): half the time of a Hash object for a request-sized input. */
function sha256Hex(data: Buffer): string {
  return hash('sha256', data, 'hex');
}

// ---------------------------------------------------------------------------------------------
// Headers and errors

/**
 * The values of a header. Only own properties count: a signed header named `constructor` or
 * `__proto__` must not find Object.prototype's members in a plain-object header map.
 */
function headerValues(headers: AuthRequest['headers'], name: string): readonly string[] {
  if (!Object.hasOwn(headers, name)) return [];
  const value: unknown = headers[name];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  return [];
}

/**
 * The one value of a header that may appear once. Two of them (an injected second
 * Authorization or X-Amz-Date) are refused rather than letting one silently win.
 */
function singleHeader(headers: AuthRequest['headers'], name: string): string | undefined {
  const values = headerValues(headers, name);
  if (values.length > 1) throw incomplete(`The request has more than one ${quote(name)} header.`);
  return values[0];
}

function missingAuthentication(url: string): AuthError {
  if (/[?&]X-Amz-(?:Signature|Credential|Algorithm)=/i.test(url)) {
    return incomplete(
      'Baton verifies signatures in the Authorization header only; presigned (query-string) requests are not supported.',
    );
  }
  return new AuthError(
    'MissingAuthenticationTokenException',
    403,
    'Request is missing Authentication Token',
  );
}

function incomplete(message: string): AuthError {
  return new AuthError('IncompleteSignatureException', 400, message);
}

function invalid(message: string): AuthError {
  return new AuthError('InvalidSignatureException', 400, message);
}

function unrecognizedClient(): AuthError {
  return new AuthError(
    'UnrecognizedClientException',
    400,
    'The security token included in the request is invalid.',
  );
}

function signatureMismatch(): AuthError {
  return invalid(
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  );
}

/** A request value for an error message: quoted, printable ASCII only, at most 64 characters. */
function quote(value: string): string {
  const printable = value.replace(/[^\x20-\x7e]/g, '?');
  const short = printable.length > 64 ? `${printable.slice(0, 64)}...` : printable;
  return `'${short}'`;
}
