/**
 * The pipeline file: parse, validate, write (contract section 1).
 * (Being built; see issue 2. Signatures are the contract other modules use.)
 */
export * from './model';
export type { NodeTypeChecker, ParamProblem } from './checker';
