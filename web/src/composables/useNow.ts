import { onScopeDispose, shallowRef, type Ref } from 'vue'

/** The current time, refreshed every `intervalMs`, for relative times ("12 min ago") that keep up. */
export function useNow(intervalMs = 30_000): Readonly<Ref<Date>> {
  const now = shallowRef(new Date())
  const timer = setInterval(() => {
    now.value = new Date()
  }, intervalMs)
  onScopeDispose(() => clearInterval(timer))
  return now
}
