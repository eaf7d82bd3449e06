import { createApp } from 'vue'
import App from './App.vue'
import { createAppRouter } from './router.ts'
import './styles/main.css'
import './styles/print.css'

createApp(App).use(createAppRouter()).mount('#app')
