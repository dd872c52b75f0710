/** The built-in module names a script may import, and what each exports (for the ESM shims). */
export const BUILTIN_EXPORTS: Record<string, string[]> = {
  k6: ['default', 'check', 'group', 'sleep', 'fail', 'randomSeed'],
  'k6/http': [
    'default', 'get', 'post', 'put', 'patch', 'del', 'head', 'options', 'request', 'asyncRequest', 'batch',
    'cookieJar', 'CookieJar', 'expectedStatuses', 'setResponseCallback', 'file', 'url',
    'TLS_1_0', 'TLS_1_1', 'TLS_1_2', 'TLS_1_3',
    'OCSP_STATUS_GOOD', 'OCSP_STATUS_REVOKED', 'OCSP_STATUS_SERVER_FAILED', 'OCSP_STATUS_UNKNOWN',
    'OCSP_REASON_UNSPECIFIED', 'OCSP_REASON_KEY_COMPROMISE', 'OCSP_REASON_CA_COMPROMISE',
    'OCSP_REASON_AFFILIATION_CHANGED', 'OCSP_REASON_SUPERSEDED', 'OCSP_REASON_CESSATION_OF_OPERATION',
    'OCSP_REASON_CERTIFICATE_HOLD', 'OCSP_REASON_REMOVE_FROM_CRL', 'OCSP_REASON_PRIVILEGE_WITHDRAWN',
    'OCSP_REASON_AA_COMPROMISE',
  ],
  'k6/metrics': ['default', 'Counter', 'Gauge', 'Rate', 'Trend'],
  'k6/execution': ['default'],
  'k6/data': ['default', 'SharedArray'],
  'k6/encoding': ['default', 'b64encode', 'b64decode'],
  'k6/crypto': [
    'default', 'createHash', 'createHMAC', 'hmac', 'md4', 'md5', 'randomBytes', 'ripemd160',
    'sha1', 'sha256', 'sha384', 'sha512', 'sha512_224', 'sha512_256', 'hexEncode',
  ],
  'k6/html': ['default', 'parseHTML'],
  'volley:vu': ['default', '__VU', '__ITER', '__ENV', 'open'],
};

const ALIASES: Record<string, string> = {
  k6: 'k6',
  'k6/http': 'k6/http',
  'k6/metrics': 'k6/metrics',
  'k6/execution': 'k6/execution',
  'k6/data': 'k6/data',
  'k6/encoding': 'k6/encoding',
  'k6/crypto': 'k6/crypto',
  'k6/html': 'k6/html',
  volley: 'k6',
  'volley/http': 'k6/http',
  'volley/metrics': 'k6/metrics',
  'volley/execution': 'k6/execution',
  'volley/data': 'k6/data',
  'volley/encoding': 'k6/encoding',
  'volley/crypto': 'k6/crypto',
  'volley/html': 'k6/html',
  'volley:vu': 'volley:vu',
};

export function builtinName(specifier: string): string | undefined {
  return ALIASES[specifier];
}
