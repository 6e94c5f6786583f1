/**
 * Signs test requests with AWS's own signer (@smithy/signature-v4, what the AWS SDK for
 * JavaScript uses), so the verifier is checked against AWS's implementation, not against itself.
 */
import { createHash, createHmac } from 'node:crypto';
import type { Hash, Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AuthRequest } from '../../src/identity/index.js';

/** The hash the signer needs, on node:crypto (HMAC when constructed with a key). */
class NodeSha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = this.fresh();
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(typeof data === 'string' ? Buffer.from(data, 'utf8') : toBuffer(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    if (this.secret === undefined) return createHash('sha256');
    const key =
      typeof this.secret === 'string' ? Buffer.from(this.secret, 'utf8') : toBuffer(this.secret);
    return createHmac('sha256', key);
  }
}

function toBuffer(data: ArrayBuffer | ArrayBufferView): Buffer {
  return ArrayBuffer.isView(data)
    ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    : Buffer.from(data);
}

/** RFC 3986 percent-encoding, as the SDK puts query parameters on the wire. */
export function escapeUri(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

export interface RequestToSign {
  readonly method?: string;
  /** The path as the client sends it: already percent-encoded once. */
  readonly path?: string;
  /** Decoded query parameters, sent in this order. */
  readonly query?: readonly (readonly [string, string])[];
  /** Extra headers to sign (lower-case names). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer | string;
  readonly host?: string;
}

export interface SignWith {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region?: string;
  readonly service?: string;
  readonly date: Date;
  /** Whether the signer adds x-amz-content-sha256 (the SDK's default). */
  readonly applyChecksum?: boolean;
}

/** The request as a server receives it after AWS's signer signed it. */
export async function signRequest(request: RequestToSign, by: SignWith): Promise<AuthRequest> {
  const body = Buffer.isBuffer(request.body)
    ? request.body
    : Buffer.from(request.body ?? '', 'utf8');
  const host = request.host ?? 'baton.test:8420';
  // A Map, then own properties: parameters named `__proto__` or `constructor` stay parameters.
  const params = new Map<string, string[]>();
  for (const [name, value] of request.query ?? [])
    params.set(name, [...(params.get(name) ?? []), value]);
  const query: Record<string, string | string[]> = Object.fromEntries(
    [...params].map(([name, values]) => [name, values.length === 1 ? (values[0] ?? '') : values]),
  );
  const signer = new SignatureV4({
    credentials: { accessKeyId: by.accessKeyId, secretAccessKey: by.secretAccessKey },
    region: by.region ?? 'us-east-1',
    service: by.service ?? 'states',
    sha256: NodeSha256,
    applyChecksum: by.applyChecksum ?? true,
  });
  const signed = await signer.sign(
    {
      method: request.method ?? 'POST',
      protocol: 'http:',
      hostname: host.split(':')[0] ?? host,
      path: request.path ?? '/',
      query,
      headers: { host, ...request.headers },
      body,
    },
    { signingDate: by.date },
  );
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) headers[name.toLowerCase()] = value;
  const search = (request.query ?? []).map(([n, v]) => `${escapeUri(n)}=${escapeUri(v)}`);
  return {
    method: signed.method,
    url: (request.path ?? '/') + (search.length > 0 ? `?${search.join('&')}` : ''),
    headers,
    body,
  };
}
