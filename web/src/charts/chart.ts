import { CategoryScale, Chart, Filler, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js'

// Only what the dashboard draws: line charts with filled bands, on category × linear axes. Every
// chart imports Chart from here, so the bundle carries no other controller, element or plugin.
Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Filler, Tooltip, Legend)

export { Chart }
export type { ChartConfiguration, ChartDataset, ActiveElement, ChartEvent } from 'chart.js'
