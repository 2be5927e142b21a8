/** The JSON shapes of non-table artifacts live in shared/ (the renderer reads them too). */
export { metricsDoc, asMetricsDoc, type Curve, type Matrix, type MetricsDoc } from '../shared/artifacts';
