/**
 * The seam between the model registry (which captures and loads a servable model) and its users:
 * `pipewright predict`, `pipewright serve`, `deploy.serve` and the feature store's online lookup.
 * Contract sections 5 and 6. The registry side implements `ServingModel`; the server only calls it.
 */

/** One raw input column of a model (the table that enters its row-wise chain, label excluded). */
export interface ServingInput {
  name: string;
  /** DuckDB logical type name as recorded at registration: DOUBLE, BIGINT, INTEGER, BOOLEAN, VARCHAR, … */
  type: string;
  /** true when the chain imputes this column, so `null` is accepted */
  nullable: boolean;
}

export type ServingTask = 'classification' | 'regression';

/** One prediction: the class as in the training data plus per-class scores, or a number. */
export type Prediction = { label: string | number | boolean; scores: Record<string, number> } | number;

/** A bad request row: names the column and (for a batch) the row index; the server answers 400. */
export class InputError extends Error {
  constructor(
    message: string,
    readonly column: string | null,
    readonly row: number | null,
  ) {
    super(message);
    this.name = 'InputError';
  }
}

export interface ServingModel {
  /** registered model name and version (the `x-pipewright-model-version` header is `${name}:${version}`) */
  name: string;
  version: number;
  task: ServingTask;
  /** classes in the order of `scores` columns (classification only) */
  classes?: (string | number | boolean)[];
  inputs: ServingInput[];
  /**
   * Predicts rows given by column → values (columnar, one array per input column, all the same
   * length). Validates every value first and throws `InputError` naming column and row; never
   * throws anything else for bad client input. Equal to the run's own evaluation to 1e-6.
   */
  predictColumns(columns: Record<string, unknown[]>, rows: number): Promise<Prediction[]>;
  /**
   * One row, its values in `inputs` order: the server's single-row path, present when the model's
   * chain compiles row by row (`compileRow` in the node files). Synchronous, no columns built;
   * checks each value as `predictColumns` does (InputError naming the column, row 0) and gives
   * exactly what it gives for that row.
   */
  predictRow?(values: readonly unknown[]): Prediction;
  /** frees backend memory; called when a version is no longer routed to */
  dispose(): void;
}
