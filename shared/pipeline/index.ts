/**
 * The pipeline file: parse, validate, write (contract section 1), and the graph it describes.
 */
export * from './model';
export type { NodeTypeChecker, NodeTypeLister, ParamProblem } from './checker';
export { closest, didYouMean } from './suggest';
export { parsePipelineText, parseParamOverride, isExtensionKey, MAX_PIPELINE_BYTES, MAX_DEPTH, type ParseResult, type PositionMap } from './parse';
export { validatePipeline, loadPipeline, migrateNodes, resolveParamRefs, paramRefOf, paramRefsIn, locate, type ValidateOptions, type ResolvedParams, type LoadResult } from './validate';
export { serializePipeline, formatPipelineText, type FormatResult } from './serialize';
export { edgesOf, topologicalOrder, findCycle, upstreamOf, downstreamOf, wouldCreateCycle, type Edge } from './graph';
export { isPlainSafe, doubleQuoted, formatNumber } from './yaml-scalars';
export { readTriggers, triggersValue, validateTriggers, triggerKind, cronProblem, escapesFolder, TRIGGER_KINDS, type Trigger, type TriggerKind, type MetricCondition } from './triggers';
