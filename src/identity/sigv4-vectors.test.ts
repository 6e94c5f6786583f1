/**
 * AWS's published Signature Version 4 test suite (aws-sig-v4-test-suite, kept in botocore as
 * tests/unit/auth/aws4_testsuite; described at
 * https://docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html), and the worked
 * IAM example of "Signing AWS API requests". Each case: the request as sent, AWS's canonical
 * request, and AWS's signature, for AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY,
 * us-east-1, service "service". The verifier must rebuild the same canonical request from the
 * wire form and accept the signature.
 */
import { describe, expect, it } from 'vitest';
import type { AuthRequest } from './types.js';
import { AuthError } from './types.js';
import { canonicalRequest, createSigV4Authenticator, signingKey } from './sigv4.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const EMPTY_HASH = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const NOW = Date.UTC(2015, 7, 30, 12, 36, 0);
const VANILLA = 'host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n';

interface Vector {
  readonly name: string;
  readonly req: string;
  readonly creq: string;
  readonly signedHeaders: string;
  readonly signature: string;
  readonly service?: string;
}

const VECTORS: readonly Vector[] = [
  {
    name: 'get-vanilla',
    req: 'GET / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z',
    creq: `GET\n/\n\n${VANILLA}${EMPTY_HASH}`,
    signedHeaders: 'host;x-amz-date',
    signature: '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
  },
  {
    name: 'get-vanilla-empty-query-key',
    req: 'GET /?Param1=value1 HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z',
    creq: `GET\n/\nParam1=value1\n${VANILLA}${EMPTY_HASH}`,
    signedHeaders: 'host;x-amz-date',
    signature: 'a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb',
  },
  {
    name: 'get-vanilla-query-order-key-case',
    req: 'GET /?Param2=value2&Param1=value1 HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z',
    creq: `GET\n/\nParam1=value1&Param2=value2\n${VANILLA}${EMPTY_HASH}`,
    signedHeaders: 'host;x-amz-date',
    signature: 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500',
  },
  {
    name: 'get-vanilla-query-order-key',
    req: 'GET /?Param1=value2&Param1=Value1 HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z',
    creq: `GET\n/\nParam1=Value1&Param1=value2\n${VANILLA}${EMPTY_HASH}`,
    signedHeaders: 'host;x-amz-date',
    signature: 'eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1',
  },
  {
    name: 'get-vanilla-query-order-value',
    req: 'GET /?Param1=value2&Param1=value1 HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z',
    creq: `GET\n/\nParam1=value1&Param1=value2\n${VANILLA}${EMPTY_HASH}`,
    signedHeaders: 'host;x-amz-date',
    signature: '5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694',
  },
  {
    name: 'get-vanilla-query-order-encoded',
    req: 'GET /?Param-3=Value3&Param=Value2&%E1%88%B4=Value1 HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z',
    creq: `GET\n/\n%E1%88%B4=Value1&Param=Value2&Param-3=Value3\n${VANILLA}${EMPTY_HASH}`,
    signedHeaders: 'host;x-amz-date',
    signature: '371d3713e185cc334048618a97f809c9ffe339c62934c032af5a0e595648fcac',
  },
  {
    name: 'get-vanilla-query-unreserved',
    req: 'GET /?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z',
    creq: `GET\n/\n-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\n${VANILLA}${EMPTY_HASH}`,
    signedHeaders: 'host;x-amz-date',
    signature: '9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197',
  },
  {
    name: 'get-vanilla-utf8-query',
    req: 'GET /?ሴ=bar HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z',
    creq: `GET\n/\n%E1%88%B4=bar\n${VANILLA}${EMPTY_HASH}`,
    signedHeaders: 'host;x-amz-date',
    signature: '2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04',
  },
  {
    name: 'get-unreserved',
    req: 'GET /-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z',
    creq: `GET\n/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\n\n${VANILLA}${EMPTY_HASH}`,
    signedHeaders: 'host;x-amz-date',
    signature: '07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f',
  },
  {
    name: 'get-utf8',
    req: 'GET /ሴ HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z',
    creq: `GET\n/%E1%88%B4\n\n${VANILLA}${EMPTY_HASH}`,
    signedHeaders: 'host;x-amz-date',
    signature: '8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85',
  },
  {
    name: 'get-header-key-duplicate',
    req: 'GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value2\nMy-Header1:value2\nMy-Header1:value1\nX-Amz-Date:20150830T123600Z',
    creq: `GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value2,value2,value1\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n${EMPTY_HASH}`,
    signedHeaders: 'host;my-header1;x-amz-date',
    signature: 'c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea',
  },
  {
    name: 'get-header-value-multiline',
    req: 'GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value1\n  value2\n     value3\nX-Amz-Date:20150830T123600Z',
    creq: `GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1 value2 value3\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n${EMPTY_HASH}`,
    signedHeaders: 'host;my-header1;x-amz-date',
    signature: 'cfd34249e4b1c8d6b91ef74165d41a32e5fab3306300901bb65a51a73575eefd',
  },
  {
    name: 'get-header-value-order',
    req: 'GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value4\nMy-Header1:value1\nMy-Header1:value3\nMy-Header1:value2\nX-Amz-Date:20150830T123600Z',
    creq: `GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value4,value1,value3,value2\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n${EMPTY_HASH}`,
    signedHeaders: 'host;my-header1;x-amz-date',
    signature: '08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01',
  },
  {
    name: 'get-header-value-trim',
    req: 'GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1: value1\nMy-Header2: "a   b   c"\nX-Amz-Date:20150830T123600Z',
    creq: `GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:"a b c"\nx-amz-date:20150830T123600Z\n\nhost;my-header1;my-header2;x-amz-date\n${EMPTY_HASH}`,
    signedHeaders: 'host;my-header1;my-header2;x-amz-date',
    signature: 'acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736',
  },
  {
    name: 'post-vanilla',
    req: 'POST / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z',
    creq: `POST\n/\n\n${VANILLA}${EMPTY_HASH}`,
    signedHeaders: 'host;x-amz-date',
    signature: '5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b',
  },
  {
    name: 'post-vanilla-query',
    req: 'POST /?Param1=value1 HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z',
    creq: `POST\n/\nParam1=value1\n${VANILLA}${EMPTY_HASH}`,
    signedHeaders: 'host;x-amz-date',
    signature: '28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11',
  },
  {
    name: 'post-header-key-sort',
    req: 'POST / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value1\nX-Amz-Date:20150830T123600Z',
    creq: `POST\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n${EMPTY_HASH}`,
    signedHeaders: 'host;my-header1;x-amz-date',
    signature: 'c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c',
  },
  {
    name: 'post-header-value-case',
    req: 'POST / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:VALUE1\nX-Amz-Date:20150830T123600Z',
    creq: `POST\n/\n\nhost:example.amazonaws.com\nmy-header1:VALUE1\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n${EMPTY_HASH}`,
    signedHeaders: 'host;my-header1;x-amz-date',
    signature: 'cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d',
  },
  {
    name: 'post-x-www-form-urlencoded',
    req: 'POST / HTTP/1.1\nContent-Type:application/x-www-form-urlencoded\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n\nParam1=value1',
    creq: 'POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e',
    signedHeaders: 'content-type;host;x-amz-date',
    signature: 'ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a',
  },
  {
    name: 'post-x-www-form-urlencoded-parameters',
    req: 'POST / HTTP/1.1\nContent-Type:application/x-www-form-urlencoded; charset=utf8\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n\nParam1=value1',
    creq: 'POST\n/\n\ncontent-type:application/x-www-form-urlencoded; charset=utf8\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e',
    signedHeaders: 'content-type;host;x-amz-date',
    signature: '1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe',
  },
  // normalize-path/
  {
    name: 'get-relative',
    req: 'GET /example/.. HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z',
    creq: `GET\n/\n\n${VANILLA}${EMPTY_HASH}`,
    signedHeaders: 'host;x-amz-date',
    signature: '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
  },
  {
    name: 'get-relative-relative',
    req: 'GET /example1/example2/../.. HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z',
    creq: `GET\n/\n\n${VANILLA}${EMPTY_HASH}`,
    signedHeaders: 'host;x-amz-date',
    signature: '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
  },
  {
    name: 'get-slash',
    req: 'GET // HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z',
    creq: `GET\n/\n\n${VANILLA}${EMPTY_HASH}`,
    signedHeaders: 'host;x-amz-date',
    signature: '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
  },
  {
    name: 'get-slash-dot-slash',
    req: 'GET /./ HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z',
    creq: `GET\n/\n\n${VANILLA}${EMPTY_HASH}`,
    signedHeaders: 'host;x-amz-date',
    signature: '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
  },
  {
    name: 'get-slash-pointless-dot',
    req: 'GET /./example HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z',
    creq: `GET\n/example\n\n${VANILLA}${EMPTY_HASH}`,
    signedHeaders: 'host;x-amz-date',
    signature: 'ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5',
  },
  {
    name: 'get-slashes',
    req: 'GET //example// HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z',
    creq: `GET\n/example/\n\n${VANILLA}${EMPTY_HASH}`,
    signedHeaders: 'host;x-amz-date',
    signature: '9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84',
  },
  {
    name: 'get-space',
    req: 'GET /example space/ HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z',
    creq: `GET\n/example%20space/\n\n${VANILLA}${EMPTY_HASH}`,
    signedHeaders: 'host;x-amz-date',
    signature: '652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741',
  },
  {
    name: 'get-special-character',
    req: 'GET /example/$delete HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z',
    creq: `GET\n/example/%24delete\n\n${VANILLA}${EMPTY_HASH}`,
    signedHeaders: 'host;x-amz-date',
    signature: 'a853c9b21b528b19643d00910d35b83a10c366a10833ceefb45edd6c80e40f27',
  },
];

/**
 * Reads the suite's `.req` format: a request line, headers (a line starting with white space
 * continues the header above it), a blank line, the body. Repeated headers become arrays, as
 * the server adapter delivers them from Node's rawHeaders.
 */
function parseRequest(raw: string): Omit<AuthRequest, 'headers'> & {
  headers: Record<string, string | string[]>;
} {
  const [head = '', body = ''] = raw.split('\n\n');
  const [requestLine = '', ...lines] = head.split('\n');
  const method = requestLine.slice(0, requestLine.indexOf(' '));
  const url = requestLine.slice(method.length + 1, requestLine.lastIndexOf(' '));
  const entries: [string, string][] = [];
  for (const line of lines) {
    const last = entries[entries.length - 1];
    if (/^\s/.test(line) && last !== undefined) {
      last[1] += `\n${line}`;
      continue;
    }
    const colon = line.indexOf(':');
    entries.push([line.slice(0, colon).toLowerCase(), line.slice(colon + 1)]);
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of entries) {
    const existing = headers[name];
    headers[name] =
      existing === undefined
        ? value
        : [...(typeof existing === 'string' ? [existing] : existing), value];
  }
  return { method, url, headers, body: Buffer.from(body, 'utf8') };
}

function signed(vector: Vector, region = 'us-east-1'): AuthRequest {
  const request = parseRequest(vector.req);
  const service = vector.service ?? 'service';
  request.headers['authorization'] =
    `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/${region}/${service}/aws4_request, SignedHeaders=${vector.signedHeaders}, Signature=${vector.signature}`;
  return request;
}

function authenticator(service = 'service') {
  return createSigV4Authenticator({
    region: 'us-east-1',
    service,
    nowMs: () => NOW,
    lookupKey: (id) =>
      Promise.resolve(
        id === 'AKIDEXAMPLE' ? { state: 'active', name: 'example', secret: SECRET } : undefined,
      ),
  });
}

describe("AWS's SigV4 test suite", () => {
  for (const vector of VECTORS) {
    it(`rebuilds the canonical request of ${vector.name}`, () => {
      const request = parseRequest(vector.req);
      const hash = vector.creq.slice(vector.creq.lastIndexOf('\n') + 1);
      expect(canonicalRequest(request, vector.signedHeaders.split(';'), hash)).toBe(vector.creq);
    });

    it(`accepts AWS's signature of ${vector.name}`, async () => {
      await expect(authenticator()(signed(vector))).resolves.toEqual({
        accessKeyId: 'AKIDEXAMPLE',
        name: 'example',
      });
    });

    it(`refuses ${vector.name} with one signature digit changed`, async () => {
      const last = vector.signature.slice(-1) === '0' ? '1' : '0';
      const tampered = { ...vector, signature: vector.signature.slice(0, -1) + last };
      await expect(authenticator()(signed(tampered))).rejects.toMatchObject({
        code: 'InvalidSignatureException',
      });
    });
  }

  it('builds the canonical request of post-sts-header-before but refuses its session token', async () => {
    const token =
      'AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==';
    const vector: Vector = {
      name: 'post-sts-header-before',
      req: `POST / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\nX-Amz-Security-Token:${token}`,
      creq: `POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\nx-amz-security-token:${token}\n\nhost;x-amz-date;x-amz-security-token\n${EMPTY_HASH}`,
      signedHeaders: 'host;x-amz-date;x-amz-security-token',
      signature: '85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead',
    };
    expect(
      canonicalRequest(parseRequest(vector.req), vector.signedHeaders.split(';'), EMPTY_HASH),
    ).toBe(vector.creq);
    const error: unknown = await authenticator()(signed(vector)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({
      code: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    });
  });
});

describe('the worked example of "Signing AWS API requests" (IAM ListUsers)', () => {
  it('derives the documented signing key', () => {
    expect(signingKey(SECRET, '20150830', 'us-east-1', 'iam').toString('hex')).toBe(
      'c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9',
    );
  });

  it('accepts the documented signature', async () => {
    const vector: Vector = {
      name: 'iam-list-users',
      req: 'GET /?Action=ListUsers&Version=2010-05-08 HTTP/1.1\nContent-Type:application/x-www-form-urlencoded; charset=utf-8\nHost:iam.amazonaws.com\nX-Amz-Date:20150830T123600Z',
      creq: '',
      signedHeaders: 'content-type;host;x-amz-date',
      signature: '5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7',
      service: 'iam',
    };
    await expect(authenticator('iam')(signed(vector))).resolves.toMatchObject({
      accessKeyId: 'AKIDEXAMPLE',
    });
  });
});
