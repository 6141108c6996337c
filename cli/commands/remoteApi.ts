import type { SignatureV4 } from '@smithy/signature-v4';

/** An error response of the deployed API (`{error, details[]}`, DESIGN §6). */
export class RemoteApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: { code?: string; message: string; path?: string }[],
  ) {
    super(message);
    this.name = 'RemoteApiError';
  }
}

export interface RemoteApiOptions {
  /** The stack's `ApiUrl` output (`https://ID.execute-api.REGION.amazonaws.com/v1/`). */
  url: string;
  /** Region to sign for; default taken from the URL. */
  region?: string;
  /** Default: the AWS SDK's default chain (env, SSO, profile, IMDS…). */
  credentials?: ConstructorParameters<typeof SignatureV4>[0]['credentials'];
  fetch?: typeof fetch;
}

/**
 * A client of the deployed run API. Every request is signed with SigV4 for `execute-api`, with
 * credentials from the default provider chain, as the API's IAM authorization requires.
 */
export class RemoteApi {
  readonly #base: URL;
  readonly #region: string;
  readonly #credentials: RemoteApiOptions['credentials'];
  #signer: Promise<SignatureV4> | undefined;
  readonly #fetch: typeof fetch;

  constructor(options: RemoteApiOptions) {
    this.#base = new URL(options.url.endsWith('/') ? options.url : `${options.url}/`);
    const region =
      options.region ?? /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$/.exec(this.#base.hostname)?.[1];
    if (!region) throw new Error(`cannot tell the region of ${options.url}; pass --region`);
    this.#region = region;
    this.#credentials = options.credentials;
    this.#fetch = options.fetch ?? fetch;
  }

  /** The signer, made on first use: the credential chain and SigV4 load only when a request goes out. */
  #signerFor(): Promise<SignatureV4> {
    this.#signer ??= (async () => {
      const [{ Sha256 }, { fromNodeProviderChain }, { SignatureV4 }] = await Promise.all([
        import('@aws-crypto/sha256-js'),
        import('@aws-sdk/credential-providers'),
        import('@smithy/signature-v4'),
      ]);
      return new SignatureV4({
        service: 'execute-api',
        region: this.#region,
        credentials: this.#credentials ?? fromNodeProviderChain(),
        sha256: Sha256,
      });
    })();
    return this.#signer;
  }

  /** Sends a signed request; resolves to the JSON body, or rejects with a {@link RemoteApiError}. */
  async request<T>(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    query: Record<string, string> = {},
  ): Promise<T> {
    const url = new URL(path.replace(/^\//, ''), this.#base);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const text = body === undefined ? undefined : JSON.stringify(body);
    const signer = await this.#signerFor();
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: {
        host: url.host,
        ...(text === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(text === undefined ? {} : { body: text }),
    });
    const response = await this.#fetch(url, {
      method,
      headers: signed.headers as Record<string, string>,
      body: text ?? null,
    });
    const raw = await response.text();
    let parsed: unknown;
    try {
      parsed = raw === '' ? {} : JSON.parse(raw);
    } catch {
      parsed = { error: raw };
    }
    if (!response.ok) {
      const { error, message, details } = parsed as {
        error?: string;
        message?: string;
        details?: RemoteApiError['details'];
      };
      throw new RemoteApiError(response.status, error ?? message ?? `HTTP ${response.status}`, details ?? []);
    }
    return parsed as T;
  }
}

/** `--api URL`, else `STEPFLEET_API_URL`. */
export function apiUrlFrom(option: string | undefined): string {
  const url = option ?? process.env.STEPFLEET_API_URL;
  if (!url)
    throw new RemoteApiError(
      0,
      'no API URL: pass --api URL or set STEPFLEET_API_URL (the stack output ApiUrl)',
      [],
    );
  return url;
}
