import { createRouter, createWebHistory, type Router, type RouteRecordRaw } from 'vue-router'
import HomeView from './views/HomeView.vue'

declare module 'vue-router' {
  interface RouteMeta {
    /** Shown before "· Meridian" in the document title. */
    title?: string
  }
}

const routes: RouteRecordRaw[] = [
  { path: '/', name: 'overview', component: HomeView, meta: { title: 'Overview' } },
  { path: '/kpis/:id', name: 'kpi', component: () => import('./views/KpiView.vue'), meta: { title: 'KPI' } },
  { path: '/teams', name: 'teams', component: () => import('./views/TeamsView.vue'), meta: { title: 'Teams' } },
  { path: '/teams/:id', name: 'team', component: () => import('./views/TeamView.vue'), meta: { title: 'Team' } },
  { path: '/slos', name: 'slos', component: () => import('./views/SlosView.vue'), meta: { title: 'SLOs' } },
  { path: '/sources', name: 'sources', component: () => import('./views/SourcesView.vue'), meta: { title: 'Sources' } },
  { path: '/snapshots', name: 'snapshots', component: () => import('./views/SnapshotsView.vue'), meta: { title: 'Snapshots' } },
  { path: '/snapshots/:id', name: 'snapshot', component: () => import('./views/SnapshotView.vue'), meta: { title: 'Snapshot' } },
  { path: '/:pathMatch(.*)*', name: 'not-found', component: () => import('./views/NotFoundView.vue'), meta: { title: 'Page not found' } },
]

/** The dashboard's router (HTML5 history), setting the document title from each route's `meta.title`. */
export function createAppRouter(): Router {
  const router = createRouter({
    history: createWebHistory(import.meta.env.BASE_URL),
    routes,
    scrollBehavior: (to, _from, saved) => saved ?? (to.hash ? { el: to.hash } : { top: 0 }),
  })
  router.afterEach((to) => {
    document.title = to.meta.title ? `${to.meta.title} · Meridian` : 'Meridian'
  })
  return router
}
