import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import Provider from 'oidc-provider'

/**
 * A real OpenID Connect provider (oidc-provider) on a free loopback port, for sign-in tests.
 * Its login and consent steps complete by themselves for `nextAccount`, whose claims (groups,
 * email) come from `accounts`.
 */
export interface TestIdp {
  issuer: string
  clientId: string
  clientSecret: string
  accounts: Record<string, { email: string; groups: string[] }>
  nextAccount: string
  close(): Promise<void>
}

export async function startTestIdp(redirectUri: string): Promise<TestIdp> {
  const idp = {
    clientId: 'meridian',
    clientSecret: 'test-client-secret-value',
    accounts: {} as TestIdp['accounts'],
    nextAccount: 'alice',
  }
  // The issuer must be known before the provider is built: listen first on a free port.
  const { createServer } = await import('node:http')
  const route: { handler?: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void } = {}
  const server: Server = createServer((req, res) => route.handler!(req, res))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: idp.clientId,
        client_secret: idp.clientSecret,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    pkce: { required: () => true },
    claims: { openid: ['sub', 'groups'], email: ['email'] },
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: ['test-cookie-key-1'] },
    findAccount: async (_ctx, sub) => {
      const account = idp.accounts[sub]
      if (!account) return undefined
      return { accountId: sub, claims: async () => ({ sub, email: account.email, groups: account.groups }) }
    },
  })

  provider.use(async (ctx, next) => {
    const m = /^\/interaction\/([^/]+)$/.exec(ctx.path)
    if (!m) return next()
    const details = await provider.interactionDetails(ctx.req, ctx.res)
    let result: Record<string, unknown>
    if (details.prompt.name === 'login') {
      result = { login: { accountId: idp.nextAccount } }
    } else {
      const grant = new provider.Grant({ accountId: details.session!.accountId, clientId: String(details.params.client_id) })
      grant.addOIDCScope(String(details.params.scope))
      result = { consent: { grantId: await grant.save() } }
    }
    ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: true }))
  })
  route.handler = provider.callback()

  return Object.assign(idp, {
    issuer,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  })
}

/** A minimal browser: follows redirects by hand and keeps cookies per host. */
export class CookieJar {
  private readonly jar = new Map<string, Map<string, string>>()

  header(url: string): string {
    const cookies = this.jar.get(new URL(url).host) ?? new Map()
    return [...cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }

  store(url: string, setCookie: string[] | string | undefined): void {
    const list = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []
    const host = new URL(url).host
    const cookies = this.jar.get(host) ?? new Map<string, string>()
    for (const c of list) {
      const [pair] = c.split(';')
      const i = pair!.indexOf('=')
      const name = pair!.slice(0, i).trim()
      const value = pair!.slice(i + 1).trim()
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(c)) cookies.delete(name)
      else cookies.set(name, value)
    }
    this.jar.set(host, cookies)
  }
}
