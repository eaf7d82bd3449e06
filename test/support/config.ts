import { applyDefaults, type AppConfig, type ServerSettings } from '../../server/config/app-config.ts'
import type { ConfigFile } from '../../server/config/config.schema.ts'

/** Server settings for tests: loopback, no demo, no dashboard. */
export function testServerSettings(overrides: Partial<ServerSettings> = {}): ServerSettings {
  return {
    host: '127.0.0.1',
    port: 0,
    databaseUrl: null,
    dataDir: '/nonexistent',
    logLevel: 'silent',
    prettyLogs: false,
    webDir: '/nonexistent',
    demoOnEmpty: false,
    ...overrides,
  }
}

/** A frozen AppConfig from a config-file object, as loadConfig would produce it. */
export function testConfig(file: ConfigFile = {}, server: Partial<ServerSettings> = {}): AppConfig {
  return applyDefaults(file, testServerSettings(server), null)
}
