import * as oidc from 'openid-client'
import type { AppConfig } from '../config/app-config.ts'

type OidcSettings = NonNullable<NonNullable<AppConfig['auth']>['oidc']>

const LOOPBACK_URL = /^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?(\/|$)/

/**
 * The OpenID Connect client: discovery once (retried after a failure), authorization code flow
 * with PKCE (S256), state and nonce. Plain-http issuers are accepted only on loopback (tests, a
 * local identity provider).
 */
export class OidcClient {
  private configuration: Promise<oidc.Configuration> | null = null

  constructor(private readonly settings: OidcSettings) {}

  private discover(): Promise<oidc.Configuration> {
    if (!this.configuration) {
      const insecure = LOOPBACK_URL.test(this.settings.issuer)
      this.configuration = oidc
        .discovery(new URL(this.settings.issuer), this.settings.clientId, this.settings.clientSecret, undefined, {
          ...(insecure && { execute: [oidc.allowInsecureRequests] }),
          timeout: 10,
        })
        .catch((err: unknown) => {
          this.configuration = null
          throw err
        })
    }
    return this.configuration
  }

  /** Where to send the browser, and the checks to keep (sealed in a cookie) until it comes back. */
  async start(redirectUri: string): Promise<{ url: string; checks: { state: string; nonce: string; verifier: string } }> {
    const config = await this.discover()
    const verifier = oidc.randomPKCECodeVerifier()
    const state = oidc.randomState()
    const nonce = oidc.randomNonce()
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid profile email',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    })
    return { url: url.href, checks: { state, nonce, verifier } }
  }

  /** Exchanges the code the browser brought back; returns the ID token's claims. */
  async finish(callbackUrl: URL, checks: { state: string; nonce: string; verifier: string }): Promise<Record<string, unknown>> {
    const config = await this.discover()
    const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier: checks.verifier,
      expectedState: checks.state,
      expectedNonce: checks.nonce,
      idTokenExpected: true,
    })
    return { ...(tokens.claims() ?? {}) }
  }
}
