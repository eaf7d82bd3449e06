import { inject, provide, type InjectionKey } from 'vue'
import { getOrg, type OrgResponse } from '../api/client.ts'
import { useResource, type Resource } from './useResource.ts'

const orgKey: InjectionKey<Resource<OrgResponse>> = Symbol('org')

/** Fetches the organisation once for the whole app; called by App.vue. */
export function provideOrg(): Resource<OrgResponse> {
  const org = useResource(getOrg)
  provide(orgKey, org)
  return org
}

/** The organisation fetched by App.vue, or a fetch of its own where none was provided (a component test). */
export function useOrg(): Resource<OrgResponse> {
  return inject(orgKey, () => useResource(getOrg), true)
}
