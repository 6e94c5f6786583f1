/**
 * Signing of outgoing requests with AWS Signature Version 4 (header form), for Baton's own
 * clients (the `baton` CLI). It builds the canonical request with the same `canonicalRequest`
 * the verifier uses, so a request this signer signs is one the verifier accepts by
 * construction; tests check it against @smithy/signature-v4 as well.
 */
import { createHash, createHmac } from 'node:crypto';
import { SIGV4_ALGORITHM, canonicalRequest, formatAmzDate, signingKey } from './sigv4.js';

export interface RequestToSign {
  readonly method: string;
  /** Absolute URL (`http://host:port/path?query`), as it will be sent. */
  readonly url: string;
  /** Headers to send and sign, any case. `host` and `x-amz-date` are added. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Uint8Array;
  readonly region: string;
  /** The service in the credential scope: `states` for Step Functions. */
  readonly service: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** The signing time, epoch milliseconds. */
  readonly nowMs: number;
}

/**
 * Returns the headers to add to the request (`host`, `x-amz-date`, `x-amz-content-sha256` and
 * `authorization`, lower-case). Every header in `request.headers` is signed, with `host` and
 * `x-amz-date`. The secret never leaves this function except as the HMAC signature.
 */
export function signRequest(request: RequestToSign): Readonly<Record<string, string>> {
  const url = new URL(request.url);
  const body = typeof request.body === 'string' ? Buffer.from(request.body, 'utf8') : request.body;
  const payloadHash = createHash('sha256').update(body).digest('hex');
  const amzDate = formatAmzDate(request.nowMs);
  const scopeDate = amzDate.slice(0, 8);
  const added: Record<string, string> = {
    host: url.host,
    'x-amz-date': amzDate,
    'x-amz-content-sha256': payloadHash,
  };
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
  Object.assign(headers, added);
  const signedHeaders = Object.keys(headers).sort();
  const canonical = canonicalRequest(
    { method: request.method, url: url.pathname + url.search, headers, body: Buffer.from(body) },
    signedHeaders,
    payloadHash,
  );
  const scope = `${scopeDate}/${request.region}/${request.service}/aws4_request`;
  const stringToSign = [
    SIGV4_ALGORITHM,
    amzDate,
    scope,
    createHash('sha256').update(Buffer.from(canonical, 'latin1')).digest('hex'),
  ].join('\n');
  const key = signingKey(request.secretAccessKey, scopeDate, request.region, request.service);
  const signature = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
  return {
    ...added,
    authorization: `${SIGV4_ALGORITHM} Credential=${request.accessKeyId}/${scope}, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`,
  };
}
