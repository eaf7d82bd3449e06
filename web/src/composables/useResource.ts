import { getCurrentScope, onScopeDispose, shallowReactive } from 'vue'
import { ApiError } from '../api/client.ts'

/** The state of one fetch. `data` and `error` are kept while a reload is under way. */
export interface Resource<T> {
  data: T | undefined
  error: ApiError | null
  loading: boolean
  reload: () => Promise<void>
}

/**
 * Starts `fetcher` at once and tracks its loading, error and data; `reload()` retries. A newer
 * call supersedes an older one, and the request is aborted when the calling component unmounts.
 */
export function useResource<T>(fetcher: (signal: AbortSignal) => Promise<T>): Resource<T> {
  let controller: AbortController | undefined

  async function reload(): Promise<void> {
    controller?.abort()
    const current = (controller = new AbortController())
    resource.loading = true
    try {
      const data = await fetcher(current.signal)
      if (current.signal.aborted) return
      resource.data = data
      resource.error = null
    } catch (err) {
      if (current.signal.aborted) return
      resource.error = err instanceof ApiError ? err : new ApiError('client_error', String(err))
    } finally {
      if (current === controller) resource.loading = false
    }
  }

  const resource = shallowReactive<Resource<T>>({ data: undefined, error: null, loading: false, reload })
  if (getCurrentScope()) onScopeDispose(() => controller?.abort())
  void reload()
  return resource
}
