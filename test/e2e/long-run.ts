/** A long MLP run on iris, for the long-run browser test and the editor benchmark. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

/** Three metric points (loss, valLoss, valAccuracy) and a progress event per epoch. */
export function longRunPipeline(epochs: number, name = 'long-run'): string {
  return `apiVersion: pipewright/v1
kind: Pipeline
metadata:
  name: ${name}
nodes:
  load:
    type: data.csv
    params:
      path: ../data/iris.csv
  train:
    type: train.mlp
    inputs:
      train: load.table
    params:
      label: species
      hiddenUnits: [4]
      epochs: ${epochs}
      batchSize: 1000000
      learningRate: 0.01
      validationFraction: 0.2
layout:
  load: { x: 40, y: 80 }
  train: { x: 380, y: 80 }
`;
}

/**
 * Opens a pipeline file in a project of its own (both under the test's home), and waits for the
 * node `firstNode` to be drawn. Returns the pipeline file's path.
 */
export async function openInOwnProject(page: Page, home: string, name: string, yaml: string, firstNode = 'train'): Promise<string> {
  const file = join(home, 'workspace', 'examples', `${name}.pipeline.yaml`);
  writeFileSync(file, yaml);
  mkdirSync(join(home, name), { recursive: true });
  await page.getByTestId('project-button').click();
  await page.getByTestId('project-path-input').fill(join(home, name, `${name}.pwproj`));
  await page.getByTestId('project-create').click();
  await page.getByTestId('project-button').filter({ hasText: `${name}.pwproj` }).waitFor();
  await page.getByTestId('project-button').click();
  await page.getByTestId('open-path-input').fill(file);
  await page.getByTestId('open-path').click();
  await page.getByTestId(`node-${firstNode}`).waitFor();
  return file;
}

